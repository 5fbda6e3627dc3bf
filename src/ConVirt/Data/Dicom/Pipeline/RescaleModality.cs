using System.Globalization;

namespace ConVirt.Data.Dicom;

/// <summary>Rescale Slope / Intercept: value = stored * slope + intercept (identity when absent).</summary>
internal sealed class RescaleModality(double slope = 1, double intercept = 0) : IModalityTransform
{
    /// <summary>Rescale Slope.</summary>
    public double Slope { get; } = slope;

    /// <summary>Rescale Intercept.</summary>
    public double Intercept { get; } = intercept;

    /// <inheritdoc/>
    public double Map(int stored) => stored * Slope + Intercept;

    /// <inheritdoc/>
    public (double Min, double Max) OutputRange(int bitsStored, bool signed)
    {
        double lo = signed ? -Math.Pow(2, bitsStored - 1) : 0;
        double hi = signed ? Math.Pow(2, bitsStored - 1) - 1 : Math.Pow(2, bitsStored) - 1;
        double a = lo * Slope + Intercept, b = hi * Slope + Intercept;
        return (Math.Min(a, b), Math.Max(a, b));
    }

    /// <inheritdoc/>
    public string Description => Slope == 1 && Intercept == 0 ? "identity" : string.Create(CultureInfo.InvariantCulture, $"rescale slope {Slope:G6}, intercept {Intercept:G6}");
}
