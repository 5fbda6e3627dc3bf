namespace ConVirt.Data.Dicom;

/// <summary>The Modality LUT Sequence's first item applied to stored values.</summary>
internal sealed class LutModality(LookupTable table) : IModalityTransform
{
    /// <summary>The table.</summary>
    public LookupTable Table { get; } = table;

    /// <inheritdoc/>
    public double Map(int stored) => Table.Map(stored);

    /// <inheritdoc/>
    public (double Min, double Max) OutputRange(int bitsStored, bool signed) => (0, Table.OutputMax);

    /// <inheritdoc/>
    public string Description => $"Modality LUT ({Table.Data.Count} entries, {Table.Bits} bits)";
}
