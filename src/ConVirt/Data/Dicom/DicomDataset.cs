using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ConVirt.Data.Dicom;

/// <summary>
/// The attributes the reader kept from a dataset or sequence item (see <see cref="DicomTag"/>), with typed
/// accessors. Missing or malformed values read as null; nothing here ever puts a value into a message.
/// </summary>
internal sealed class DicomDataset
{
    private readonly Dictionary<uint, DicomElement> _elements;

    internal DicomDataset(Dictionary<uint, DicomElement> elements) => _elements = elements;

    /// <summary>True when the element is present (possibly empty).</summary>
    public bool Contains(uint tag) => _elements.ContainsKey(tag);

    internal DicomElement? Element(uint tag) => _elements.GetValueOrDefault(tag);

    /// <summary>The value as text, trailing spaces and NULs removed; null when absent or empty.</summary>
    public string? GetString(uint tag)
    {
        if (!_elements.TryGetValue(tag, out var e) || e.Items is not null) return null;
        var text = Encoding.Latin1.GetString(e.Value.Span).TrimEnd(' ', '\0').TrimStart(' ');
        return text.Length == 0 ? null : text;
    }

    /// <summary>The backslash-separated values of a multi-valued string (CS, DS, IS, ...), each trimmed.</summary>
    public IReadOnlyList<string> GetStrings(uint tag) =>
        GetString(tag) is { } text ? text.Split('\\').Select(s => s.Trim(' ', '\0')).ToArray() : [];

    /// <summary>The numbers of a decimal (DS) or integer (IS) string; null when absent or when one does not parse.</summary>
    public double[]? GetDecimals(uint tag)
    {
        var parts = GetStrings(tag);
        if (parts.Count == 0) return null;
        var values = new double[parts.Count];
        for (int i = 0; i < parts.Count; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                return null;
        return values;
    }

    /// <summary>The first number of a DS/IS string, or null.</summary>
    public double? GetDecimal(uint tag) => GetDecimals(tag) is [var first, ..] ? first : null;

    /// <summary>The first value of an unsigned 16-bit (US) element, or of an IS string; null when absent.</summary>
    public int? GetUInt16(uint tag)
    {
        if (!_elements.TryGetValue(tag, out var e) || e.Items is not null) return null;
        if (e.Vr is "IS" or "DS") return GetDecimal(tag) is double d && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue ? (int)d : null;
        var span = e.Value.Span;
        if (span.Length < 2) return null;
        return e.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
    }

    /// <summary>All 16-bit words of a US/SS/OW element, unsigned, in file order.</summary>
    public ushort[]? GetWords(uint tag)
    {
        if (!_elements.TryGetValue(tag, out var e) || e.Items is not null) return null;
        var span = e.Value.Span;
        var words = new ushort[span.Length / 2];
        for (int i = 0; i < words.Length; i++)
            words[i] = e.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(span[(2 * i)..]);
        return words;
    }

    /// <summary>The raw value bytes (for OB data), or null.</summary>
    public ReadOnlyMemory<byte>? GetBytes(uint tag) =>
        _elements.TryGetValue(tag, out var e) && e.Items is null ? e.Value : (ReadOnlyMemory<byte>?)null;

    /// <summary>The value representation the element was read with ("OW", "US", ...), or null.</summary>
    public string? GetVr(uint tag) => _elements.TryGetValue(tag, out var e) ? e.Vr : null;

    /// <summary>The items of a kept sequence (empty when absent).</summary>
    public IReadOnlyList<DicomDataset> GetSequence(uint tag) =>
        _elements.TryGetValue(tag, out var e) && e.Items is not null ? e.Items : [];

    /// <summary>Says how many attributes were kept, never their values.</summary>
    public override string ToString() => $"DicomDataset ({_elements.Count} attributes kept)";
}
