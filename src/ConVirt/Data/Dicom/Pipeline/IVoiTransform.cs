namespace ConVirt.Data.Dicom;

/// <summary>The VOI stage: modality values to display intensities in [0, 1] (0 = black for MONOCHROME2).</summary>
internal interface IVoiTransform
{
    /// <summary>Maps every value of <paramref name="input"/> into <paramref name="output"/> (same length).</summary>
    void Apply(ReadOnlySpan<double> input, Span<float> output);

    /// <summary>What was applied, for decoding facts, e.g. "window 0: center 40, width 400, LINEAR".</summary>
    string Description { get; }
}
