namespace ConVirt.Data.Synthetic;

/// <summary>A lung lobe as it projects on a frontal radiograph (the left lung has no middle lobe).</summary>
internal enum LungLobe
{
    /// <summary>Right upper lobe.</summary>
    RightUpper,
    /// <summary>Right middle lobe.</summary>
    RightMiddle,
    /// <summary>Right lower lobe.</summary>
    RightLower,
    /// <summary>Left upper lobe.</summary>
    LeftUpper,
    /// <summary>Left lower lobe.</summary>
    LeftLower,
}
