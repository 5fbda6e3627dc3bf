using System.Globalization;

namespace ConVirt.Data.Dicom;

/// <summary>The VOI LUT Functions of a Window Center / Width pair (PS3.3 C.11.2.1.2-3).</summary>
internal enum VoiFunction
{
    /// <summary>LINEAR: center and width shifted by 0.5 and 1 (C.11.2.1.2.1); width must be at least 1.</summary>
    Linear,
    /// <summary>LINEAR_EXACT: the straight line from center - width/2 to center + width/2; width must be &gt; 0.</summary>
    LinearExact,
    /// <summary>SIGMOID: 1 / (1 + exp(-4 (x - center) / width)); width must be &gt; 0.</summary>
    Sigmoid,
}

/// <summary>A window (center, width, function) mapped onto [0, 1], as the standard and pydicom compute it.</summary>
internal sealed class WindowVoi : IVoiTransform
{
    /// <summary>Creates the window; use <see cref="IsValid"/> first to avoid the exception.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The width is not valid for the function (or not finite).</exception>
    public WindowVoi(double center, double width, VoiFunction function, int index = 0)
    {
        if (!IsValid(center, width, function))
            throw new ArgumentOutOfRangeException(nameof(width), width, $"Window Width {width} is not valid for {function} (LINEAR needs >= 1, the others > 0).");
        Center = center;
        Width = width;
        Function = function;
        Index = index;
    }

    /// <summary>Window Center.</summary>
    public double Center { get; }
    /// <summary>Window Width.</summary>
    public double Width { get; }
    /// <summary>VOI LUT Function.</summary>
    public VoiFunction Function { get; }
    /// <summary>Which of the header's windows this is.</summary>
    public int Index { get; }

    /// <summary>True when the window can be applied: finite values, width &gt;= 1 for LINEAR and &gt; 0 otherwise.</summary>
    public static bool IsValid(double center, double width, VoiFunction function) =>
        double.IsFinite(center) && double.IsFinite(width) && (function == VoiFunction.Linear ? width >= 1 : width > 0);

    /// <summary>Parses a VOI LUT Function value; unknown values are null.</summary>
    public static VoiFunction? ParseFunction(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" or "LINEAR" => VoiFunction.Linear,
        "LINEAR_EXACT" => VoiFunction.LinearExact,
        "SIGMOID" => VoiFunction.Sigmoid,
        _ => null,
    };

    /// <summary>Maps one value.</summary>
    public double Map(double x)
    {
        switch (Function)
        {
            case VoiFunction.Sigmoid:
                return 1 / (1 + Math.Exp(-4 * (x - Center) / Width));
            case VoiFunction.LinearExact:
                if (x <= Center - Width / 2) return 0;
                if (x > Center + Width / 2) return 1;
                return (x - Center) / Width + 0.5;
            default:
                double c = Center - 0.5, w = Width - 1;
                if (x <= c - w / 2) return 0;
                if (x > c + w / 2) return 1;
                return (x - c) / w + 0.5; // w > 0 here: x in (c - w/2, c + w/2] is empty for w == 0
        }
    }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<double> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = (float)Map(input[i]);
    }

    /// <inheritdoc/>
    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"window {Index}: center {Center:G6}, width {Width:G6}, {Function switch { VoiFunction.LinearExact => "LINEAR_EXACT", VoiFunction.Sigmoid => "SIGMOID", _ => "LINEAR" }}");
}
