using System.Globalization;

namespace ConVirt.Data.Dicom;

/// <summary>The frame's own range: (x - min) / (max - min); a constant frame maps to 0.</summary>
internal sealed class MinMaxVoi : IVoiTransform
{
    private string _description = "frame min..max";

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<double> input, Span<float> output)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in input) { if (v < min) min = v; if (v > max) max = v; }
        double range = max - min;
        _description = string.Create(CultureInfo.InvariantCulture, $"frame min..max ({min:G6}..{max:G6})");
        if (!(range > 0)) { output[..input.Length].Clear(); return; }
        double scale = 1 / range;
        for (int i = 0; i < input.Length; i++) output[i] = (float)((input[i] - min) * scale);
    }

    /// <inheritdoc/>
    public string Description => _description;
}
