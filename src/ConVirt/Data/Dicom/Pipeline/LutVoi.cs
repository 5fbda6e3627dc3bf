namespace ConVirt.Data.Dicom;

/// <summary>A VOI LUT Sequence item, its output scaled by 1 / (2^bits - 1) onto [0, 1].</summary>
internal sealed class LutVoi(LookupTable table, int index = 0) : IVoiTransform
{
    /// <summary>The table.</summary>
    public LookupTable Table { get; } = table;

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<double> input, Span<float> output)
    {
        double scale = 1 / Table.OutputMax;
        for (int i = 0; i < input.Length; i++) output[i] = (float)Math.Clamp(Table.Map(input[i]) * scale, 0, 1);
    }

    /// <inheritdoc/>
    public string Description => $"VOI LUT {index} ({Table.Data.Count} entries, {Table.Bits} bits)";
}
