namespace ConVirt.Data.Dicom;

/// <summary>
/// PALETTE COLOR: the three Palette Color LUTs (plain or Segmented, PS3.3 C.7.9) that map a stored index to
/// red, green and blue; <see cref="Apply"/> gives luminance in [0, 1].
/// </summary>
internal sealed class PaletteColorLut
{
    private PaletteColorLut(LookupTable red, LookupTable green, LookupTable blue) => (Red, Green, Blue) = (red, green, blue);

    /// <summary>Red LUT.</summary>
    public LookupTable Red { get; }
    /// <summary>Green LUT.</summary>
    public LookupTable Green { get; }
    /// <summary>Blue LUT.</summary>
    public LookupTable Blue { get; }

    /// <summary>Reads the LUTs of <paramref name="header"/>.</summary>
    /// <exception cref="DicomCodecException">A descriptor or the data is missing or malformed.</exception>
    public static PaletteColorLut From(DicomHeader header) => new(
        Channel(header.Dataset, DicomTag.RedPaletteLutDescriptor, DicomTag.RedPaletteLutData, DicomTag.SegmentedRedPaletteLutData, "red"),
        Channel(header.Dataset, DicomTag.GreenPaletteLutDescriptor, DicomTag.GreenPaletteLutData, DicomTag.SegmentedGreenPaletteLutData, "green"),
        Channel(header.Dataset, DicomTag.BluePaletteLutDescriptor, DicomTag.BluePaletteLutData, DicomTag.SegmentedBluePaletteLutData, "blue"));

    /// <summary>Maps stored indices to luminance 0.299 R + 0.587 G + 0.114 B over the LUTs' output range.</summary>
    public void Apply(ReadOnlySpan<int> indices, Span<float> output)
    {
        double sr = 1 / Red.OutputMax, sg = 1 / Green.OutputMax, sb = 1 / Blue.OutputMax;
        for (int i = 0; i < indices.Length; i++)
        {
            int v = indices[i];
            output[i] = (float)(0.299 * Red.Map(v) * sr + 0.587 * Green.Map(v) * sg + 0.114 * Blue.Map(v) * sb);
        }
    }

    private static LookupTable Channel(DicomDataset ds, uint descriptorTag, uint dataTag, uint segmentedTag, string name)
    {
        var descriptor = ds.GetWords(descriptorTag);
        if (descriptor is not { Length: 3 }) throw new DicomCodecException($"PALETTE COLOR without a valid {name} Palette Color LUT Descriptor {DicomTag.Format(descriptorTag)}");
        int entries = descriptor[0] == 0 ? 65536 : descriptor[0];
        int first = ds.GetVr(descriptorTag) == "SS" ? (short)descriptor[1] : descriptor[1];
        int bits = descriptor[2];
        if (bits is not (8 or 16)) throw new DicomCodecException($"{name} Palette Color LUT has {bits} bits per entry; 8 or 16 are allowed");
        ushort[] data;
        if (ds.GetBytes(segmentedTag) is { } segmented)
            data = ExpandSegmented(Words(segmented.Span, bits), entries, name);
        else if (ds.GetBytes(dataTag) is { } plain)
            data = Words(plain.Span, bits, entries);
        else
            throw new DicomCodecException($"PALETTE COLOR without {name} Palette Color LUT Data {DicomTag.Format(dataTag)}");
        if (data.Length == 0) throw new DicomCodecException($"{name} Palette Color LUT Data is empty");
        return new LookupTable(first, bits, data);
    }

    /// <summary>LUT data as entries: 16-bit words, or for 8-bit LUTs bytes (or words holding one value each).</summary>
    private static ushort[] Words(ReadOnlySpan<byte> bytes, int bits, int entries = -1)
    {
        if (bits == 8 && (entries < 0 || bytes.Length < 2 * entries))
        {
            var b = new ushort[entries > 0 ? Math.Min(entries, bytes.Length) : bytes.Length];
            for (int i = 0; i < b.Length; i++) b[i] = bytes[i];
            return b;
        }
        var words = new ushort[bytes.Length / 2];
        for (int i = 0; i < words.Length; i++) words[i] = (ushort)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        if (bits == 8) for (int i = 0; i < words.Length; i++) words[i] &= 0xFF;
        return entries > 0 && words.Length > entries ? words[..entries] : words;
    }

    /// <summary>Expands Segmented Palette Color LUT Data: discrete (0), linear (1) and indirect (2) segments.</summary>
    internal static ushort[] ExpandSegmented(ushort[] data, int entries, string name)
    {
        var lut = new List<ushort>(entries);
        Expand(data, 0, int.MaxValue, lut, entries, name, 0);
        return lut.ToArray();
    }

    private static void Expand(ushort[] data, int offset, int segments, List<ushort> lut, int entries, string name, int depth)
    {
        if (depth > 4) throw new DicomCodecException($"{name} Segmented Palette Color LUT: indirect segments nested too deep");
        for (int read = 0; read < segments && offset + 1 < data.Length; read++)
        {
            int opcode = data[offset], length = data[offset + 1];
            offset += 2;
            switch (opcode)
            {
                case 0:
                    if (offset + length > data.Length) throw new DicomCodecException($"{name} Segmented Palette Color LUT: a discrete segment runs past the data");
                    for (int i = 0; i < length; i++) lut.Add(data[offset + i]);
                    offset += length;
                    break;
                case 1:
                    if (lut.Count == 0 || offset >= data.Length) throw new DicomCodecException($"{name} Segmented Palette Color LUT: a linear segment without a previous value");
                    double y0 = lut[^1], y1 = data[offset++];
                    double step = (y1 - y0) / length;
                    for (int k = 0; k < length; k++)
                    {
                        // numpy: around(linspace(y0 + step, y1, length)), half to even
                        double v = length == 1 ? y0 + step : (y0 + step) + k * (y1 - (y0 + step)) / (length - 1);
                        lut.Add((ushort)Math.Clamp(Math.Round(v, MidpointRounding.ToEven), 0, 65535));
                    }
                    break;
                case 2:
                    if (lut.Count == 0 || offset + 1 >= data.Length) throw new DicomCodecException($"{name} Segmented Palette Color LUT: an indirect segment without a previous value");
                    int target = data[offset] | data[offset + 1] << 16;
                    offset += 2;
                    if (target < 0 || target >= data.Length) throw new DicomCodecException($"{name} Segmented Palette Color LUT: an indirect segment points outside the data");
                    Expand(data, target, length, lut, entries, name, depth + 1);
                    break;
                default:
                    throw new DicomCodecException($"{name} Segmented Palette Color LUT: unknown segment type {opcode}");
            }
            if (lut.Count > 4 * 65536) throw new DicomCodecException($"{name} Segmented Palette Color LUT expands past 65536 entries");
        }
    }
}
