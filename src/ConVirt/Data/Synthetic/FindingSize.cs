namespace ConVirt.Data.Synthetic;

/// <summary>How large a focal or pleural finding is drawn and reported.</summary>
internal enum FindingSize
{
    /// <summary>Small.</summary>
    Small,
    /// <summary>Large.</summary>
    Large,
}
