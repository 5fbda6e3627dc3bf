using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace ConVirt.Data.Dicom;

/// <summary>
/// Writes small, valid DICOM Part 10 files (preamble, File Meta, Explicit VR Little Endian, uncompressed,
/// one frame, MONOCHROME2/1 at 8 or 16 bits) for tests, synthetic data and benchmarks. SOP Class is
/// Secondary Capture.
/// </summary>
internal static class DicomWriter
{
    private const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";
    private const string ImplementationClassUid = "2.25.300140285932785327934460112458915812401";

    /// <summary>Encodes 16-bit stored values (row-major, <paramref name="width"/> x <paramref name="height"/>).</summary>
    public static byte[] Encode(ReadOnlySpan<ushort> stored, int width, int height, DicomWriteOptions? options = null)
    {
        CheckSize(stored.Length, width, height);
        var pixels = new byte[stored.Length * 2];
        for (int i = 0; i < stored.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * i), stored[i]);
        return Encode(pixels, width, height, 16, options ?? new DicomWriteOptions());
    }

    /// <summary>Encodes 8-bit stored values (row-major).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> stored, int width, int height, DicomWriteOptions? options = null)
    {
        CheckSize(stored.Length, width, height);
        return Encode(stored.ToArray(), width, height, 8, options ?? new DicomWriteOptions());
    }

    /// <summary>
    /// Encodes a [0, 1] image as stored values round(v * (2^BitsStored - 1)) at <paramref name="bitsAllocated"/>
    /// 8 or 16. Without a window in <paramref name="options"/> it writes the full-range window (center
    /// 2^(bits-1), width 2^bits), under which a LINEAR VOI maps stored value s to exactly s / (2^bits - 1): the
    /// file then reads back as the same intensities a PNG of that bit depth gives.
    /// </summary>
    public static byte[] EncodeGray(GrayImage image, int bitsAllocated = 16, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new DicomWriteOptions();
        int bits = options.BitsStored ?? bitsAllocated;
        if (options.WindowCenter is null && options.WindowWidth is null)
            options = options with { WindowCenter = 1 << (bits - 1), WindowWidth = 1 << bits };
        double max = (1 << bits) - 1;
        if (bitsAllocated == 8)
        {
            var b = new byte[image.Pixels.Length];
            for (int i = 0; i < b.Length; i++) b[i] = (byte)Math.Round(Math.Clamp(image.Pixels[i], 0f, 1f) * max);
            return Encode(b, image.Width, image.Height, options);
        }
        if (bitsAllocated != 16) throw new ArgumentOutOfRangeException(nameof(bitsAllocated), bitsAllocated, "Bits Allocated must be 8 or 16.");
        var w = new ushort[image.Pixels.Length];
        for (int i = 0; i < w.Length; i++) w[i] = (ushort)Math.Round(Math.Clamp(image.Pixels[i], 0f, 1f) * max);
        return Encode(w, image.Width, image.Height, options);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a temporary file and a rename (folder created when missing).</summary>
    public static void WriteFile(string path, byte[] bytes) => Runtime.AtomicFile.WriteAllBytes(path, bytes);

    private static void CheckSize(int length, int width, int height)
    {
        if (width is < 1 or > 65535 || height is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(width), $"DICOM Rows and Columns are 1..65535; got {width} x {height}.");
        if (length != (long)width * height) throw new ArgumentException($"{length} pixels given for {width} x {height}.");
    }

    private static byte[] Encode(byte[] pixels, int width, int height, int bitsAllocated, DicomWriteOptions o)
    {
        int bitsStored = o.BitsStored ?? bitsAllocated;
        if (bitsStored < 1 || bitsStored > bitsAllocated) throw new ArgumentOutOfRangeException(nameof(o), bitsStored, $"Bits Stored must be in 1..{bitsAllocated}.");
        if (o.Photometric is not ("MONOCHROME2" or "MONOCHROME1")) throw new ArgumentException($"Photometric must be MONOCHROME2 or MONOCHROME1; got {o.Photometric}.", nameof(o));
        string digest = DerivedUid(pixels, width, height);
        string sop = o.SopInstanceUid ?? digest + ".1";
        string study = o.StudyInstanceUid ?? digest + ".2";
        string series = o.SeriesInstanceUid ?? digest + ".3";

        using var dataset = new MemoryStream();
        var d = new Elements(dataset);
        d.Text(0x0008_0016, "UI", SecondaryCapture);
        d.Text(0x0008_0018, "UI", sop);
        if (o.AccessionNumber is not null) d.Text(0x0008_0050, "SH", o.AccessionNumber);
        d.Text(0x0008_0060, "CS", o.Modality);
        if (o.PatientId is not null) d.Text(0x0010_0020, "LO", o.PatientId);
        if (o.ViewPosition is not null) d.Text(0x0018_5101, "CS", o.ViewPosition);
        d.Text(0x0020_000D, "UI", study);
        d.Text(0x0020_000E, "UI", series);
        d.UShort(0x0028_0002, 1);
        d.Text(0x0028_0004, "CS", o.Photometric);
        d.UShort(0x0028_0010, height);
        d.UShort(0x0028_0011, width);
        d.UShort(0x0028_0100, bitsAllocated);
        d.UShort(0x0028_0101, bitsStored);
        d.UShort(0x0028_0102, bitsStored - 1);
        d.UShort(0x0028_0103, 0);
        if (o.WindowCenter is double c) d.Text(0x0028_1050, "DS", Ds(c));
        if (o.WindowWidth is double ww) d.Text(0x0028_1051, "DS", Ds(ww));
        if (o.RescaleIntercept is double ri) d.Text(0x0028_1052, "DS", Ds(ri));
        if (o.RescaleSlope is double rs) d.Text(0x0028_1053, "DS", Ds(rs));
        d.Pixels(pixels, bitsAllocated == 8 ? "OB" : "OW");

        using var meta = new MemoryStream();
        var m = new Elements(meta);
        m.Bytes(0x0002_0001, "OB", [0, 1]);
        m.Text(0x0002_0002, "UI", SecondaryCapture);
        m.Text(0x0002_0003, "UI", sop);
        m.Text(0x0002_0010, "UI", DicomTransferSyntax.ExplicitVrLittleEndian.Uid);
        m.Text(0x0002_0012, "UI", ImplementationClassUid);

        using var file = new MemoryStream();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        var g = new Elements(file);
        g.UInt(0x0002_0000, (uint)meta.Length);
        meta.WriteTo(file);
        dataset.WriteTo(file);
        return file.ToArray();
    }

    private static string Ds(double value)
    {
        // DS: at most 16 characters
        string s = value.ToString("G10", CultureInfo.InvariantCulture);
        return s.Length <= 16 ? s : value.ToString("G8", CultureInfo.InvariantCulture);
    }

    /// <summary>"2.25." + a 128-bit number from the pixels' SHA-256: the same image gets the same UIDs.</summary>
    private static string DerivedUid(byte[] pixels, int width, int height)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(pixels);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(size, width);
        BinaryPrimitives.WriteInt32LittleEndian(size[4..], height);
        sha.AppendData(size);
        var hash = sha.GetHashAndReset();
        var number = new BigInteger(hash.AsSpan(0, 15), isUnsigned: true);
        return "2.25." + number.ToString(CultureInfo.InvariantCulture);
    }

    private readonly struct Elements(Stream output)
    {
        private void Head(uint tag, string vr, int length)
        {
            Span<byte> h = stackalloc byte[12];
            BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(tag >> 16));
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)tag);
            h[4] = (byte)vr[0];
            h[5] = (byte)vr[1];
            if (vr is "OB" or "OW" or "UN" or "SQ" or "UT")
            {
                h[6] = h[7] = 0;
                BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)length);
                output.Write(h);
            }
            else
            {
                if (length > 0xFFFF) throw new ArgumentException($"value of {DicomTag.Format(tag)} is too long for {vr}");
                BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)length);
                output.Write(h[..8]);
            }
        }

        public void Text(uint tag, string vr, string value)
        {
            var bytes = Encoding.ASCII.GetBytes(value);
            int padded = bytes.Length + (bytes.Length & 1);
            Head(tag, vr, padded);
            output.Write(bytes);
            if ((bytes.Length & 1) == 1) output.WriteByte(vr == "UI" ? (byte)0 : (byte)' ');
        }

        public void UShort(uint tag, int value)
        {
            Head(tag, "US", 2);
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, checked((ushort)value));
            output.Write(b);
        }

        public void UInt(uint tag, uint value)
        {
            Head(tag, "UL", 4);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            output.Write(b);
        }

        public void Bytes(uint tag, string vr, byte[] value)
        {
            Head(tag, vr, value.Length + (value.Length & 1));
            output.Write(value);
            if ((value.Length & 1) == 1) output.WriteByte(0);
        }

        public void Pixels(byte[] pixels, string vr) => Bytes(0x7FE0_0010, vr, pixels);
    }
}
