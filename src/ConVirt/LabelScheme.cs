namespace ConVirt;

/// <summary>The label schemes shipped with the library (a user's own scheme file loads with <see cref="ReportLabeler.Load"/>).</summary>
public enum LabelScheme
{
    /// <summary>The 14 CheXpert observations (keys such as <c>pleural-effusion</c>, <c>no-finding</c>).</summary>
    Chexpert,
    /// <summary>The 14 ChestX-ray14 findings plus <c>no-finding</c>, keys as in the NIH ChestX-ray14 manifests.</summary>
    ChestXray14,
}
