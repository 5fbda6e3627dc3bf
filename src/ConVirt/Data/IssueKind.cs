namespace ConVirt.Data;

/// <summary>What a manifest problem did to its row.</summary>
internal enum IssueKind
{
    /// <summary>The row was left out of the loaded manifest.</summary>
    Skipped,

    /// <summary>The row was kept; something in it was ignored or is suspicious.</summary>
    Warning,
}
