namespace ConVirt;

/// <summary>What an uncertain mention (-1) becomes in the written labels (the CheXpert paper's U-Ones / U-Zeros / keep).</summary>
public enum UncertainLabels
{
    /// <summary>Written as -1.</summary>
    Keep,
    /// <summary>Written as 1 (U-Ones).</summary>
    Positive,
    /// <summary>Written as 0 (U-Zeros).</summary>
    Negative,
}
