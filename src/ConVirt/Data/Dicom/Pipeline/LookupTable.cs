namespace ConVirt.Data.Dicom;

/// <summary>
/// A DICOM lookup table (Modality LUT, VOI LUT): LUT Descriptor (entries, first value mapped, bits per entry)
/// and LUT Data. Inputs below the first mapped value take the first entry, inputs past the last take the last
/// (PS3.3 C.11.1.1, as pydicom applies it: the input is truncated to an integer index).
/// </summary>
internal sealed class LookupTable
{
    /// <summary>Creates the table.</summary>
    /// <param name="firstMapped">The input value that maps to entry 0.</param>
    /// <param name="bits">Bits per entry (the descriptor's third value), which sets the output range 0..2^bits-1.</param>
    /// <param name="data">The entries.</param>
    public LookupTable(int firstMapped, int bits, IReadOnlyList<ushort> data)
    {
        if (data.Count == 0) throw new ArgumentException("a LUT needs at least one entry", nameof(data));
        if (bits is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(bits), bits, "LUT entries have 1..16 bits.");
        FirstMapped = firstMapped;
        Bits = bits;
        Data = data;
        _entries = [.. data];
    }

    private readonly ushort[] _entries; // the look-up reads an array, not the interface

    /// <summary>The input value that maps to entry 0.</summary>
    public int FirstMapped { get; }

    /// <summary>Bits per entry.</summary>
    public int Bits { get; }

    /// <summary>The entries.</summary>
    public IReadOnlyList<ushort> Data { get; }

    /// <summary>The largest output value the descriptor allows, 2^Bits - 1.</summary>
    public double OutputMax => (1 << Bits) - 1;

    /// <summary>Looks up one input value.</summary>
    public double Map(double value)
    {
        double index = value >= FirstMapped ? Math.Floor(value - FirstMapped) : 0;
        int i = (int)Math.Clamp(index, 0, _entries.Length - 1);
        return _entries[i];
    }

    /// <summary>
    /// Reads a LUT item (LUT Descriptor + LUT Data); null when absent or malformed. The descriptor's first
    /// value 0 means 65536 entries; its second is signed when the element is SS or the pixel data are signed.
    /// </summary>
    public static LookupTable? FromItem(DicomDataset item, bool signedInput)
    {
        var descriptor = item.GetWords(DicomTag.LutDescriptor);
        var data = item.GetWords(DicomTag.LutData);
        if (descriptor is not { Length: 3 } || data is null || data.Length == 0) return null;
        int entries = descriptor[0] == 0 ? 65536 : descriptor[0];
        int first = item.GetVr(DicomTag.LutDescriptor) == "SS" || signedInput ? (short)descriptor[1] : descriptor[1];
        int bits = descriptor[2];
        if (bits is < 1 or > 16) return null;
        if (data.Length > entries) data = data[..entries];
        if (bits <= 8) // pydicom reads 8-bit entries as uint8: keep the low byte
            for (int i = 0; i < data.Length; i++) data[i] &= 0xFF;
        return new LookupTable(first, bits, data);
    }
}
