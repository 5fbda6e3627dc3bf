namespace ConVirt.Data.Synthetic;

/// <summary>A one-sided pleural finding (effusion or pneumothorax).</summary>
/// <param name="Side">The patient's side.</param>
/// <param name="Size">Small or large.</param>
internal sealed record PleuralFinding(BodySide Side, FindingSize Size);
