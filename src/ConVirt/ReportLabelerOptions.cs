namespace ConVirt;

/// <summary>Options of <see cref="ReportLabeler"/>; the defaults are the CheXpert labeler's conventions.</summary>
public sealed record ReportLabelerOptions
{
    /// <summary>What uncertain mentions become (default: kept as -1).</summary>
    public UncertainLabels Uncertain { get; init; } = UncertainLabels.Keep;

    /// <summary>False ignores negation triggers and absent phrases (every mention counts positive or uncertain): the ablation of docs/labeling.md.</summary>
    public bool Negation { get; init; } = true;

    /// <summary>The manifest column (JSON Lines field or CSV header) that holds the report (default <c>text</c>).</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Uncertain)) throw new ArgumentException($"Uncertain is {(int)Uncertain}, not a value of UncertainLabels.", nameof(Uncertain));
        if (string.IsNullOrWhiteSpace(TextColumn)) throw new ArgumentException("TextColumn is empty; name the column that holds the report.", nameof(TextColumn));
    }
}
