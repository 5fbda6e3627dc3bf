using System.Globalization;

namespace ConVirt.Data;

/// <summary>Which VOI a DICOM grey image gets: <c>first</c>, <c>minmax</c> or <c>index:N</c>.</summary>
/// <param name="Mode">The rule.</param>
/// <param name="Index">For <see cref="DicomWindowMode.Index"/>, the window (0-based).</param>
internal sealed record DicomWindowChoice(DicomWindowMode Mode, int Index = 0)
{
    /// <summary>The first valid window, else the first VOI LUT, else the frame's min..max (the default).</summary>
    public static DicomWindowChoice First { get; } = new(DicomWindowMode.First);

    /// <summary>The frame's own min..max, ignoring the header's windows.</summary>
    public static DicomWindowChoice MinMax { get; } = new(DicomWindowMode.MinMax);

    /// <summary>Parses <c>first</c>, <c>minmax</c> or <c>index:N</c>.</summary>
    /// <exception cref="FormatException">Anything else, with the value named.</exception>
    public static DicomWindowChoice Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "first") return First;
        if (t == "minmax") return MinMax;
        if (t.StartsWith("index:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return new DicomWindowChoice(DicomWindowMode.Index, n);
        throw new FormatException($"window must be first, minmax or index:N (N = 0, 1, ...); got '{text}'");
    }

    /// <summary>The text form accepted by <see cref="Parse"/>.</summary>
    public override string ToString() => Mode switch { DicomWindowMode.MinMax => "minmax", DicomWindowMode.Index => $"index:{Index}", _ => "first" };
}

/// <summary>The VOI rules of <see cref="DicomWindowChoice"/>.</summary>
internal enum DicomWindowMode
{
    /// <summary>First valid window, else VOI LUT, else min..max.</summary>
    First,
    /// <summary>The frame's min..max.</summary>
    MinMax,
    /// <summary>Window N of the header.</summary>
    Index,
}
