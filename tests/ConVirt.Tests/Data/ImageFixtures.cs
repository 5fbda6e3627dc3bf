using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace ConVirt.Tests.Data;

/// <summary>
/// Writes test images byte by byte: PNGs of any bit depth and colour type (own CRC-32 and zlib stream, rows
/// streamed so that huge single-colour images stay small), JPEGs via SkiaSharp, and an EXIF orientation splice.
/// </summary>
internal static class ImageFixtures
{
    /// <summary>Fills the unfiltered bytes of row <paramref name="y"/>.</summary>
    public delegate void FillRow(int y, Span<byte> row);

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>PNG colour types: 0 gray, 2 RGB, 4 gray+alpha, 6 RGBA.</summary>
    public static int Channels(int colorType) => colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new ArgumentOutOfRangeException(nameof(colorType)) };

    /// <summary>A PNG in memory; <paramref name="filterOfRow"/> picks each row's filter type (0-4), default 0.</summary>
    public static byte[] Png(int width, int height, int bitDepth, int colorType, FillRow fill, Func<int, int>? filterOfRow = null)
    {
        using var output = new MemoryStream();
        WritePng(output, width, height, bitDepth, colorType, fill, filterOfRow);
        return output.ToArray();
    }

    /// <summary>A PNG from 8-bit samples given row-major, channels interleaved.</summary>
    public static byte[] Png8(int width, int height, int colorType, byte[] samples)
    {
        int rowLength = width * Channels(colorType);
        return Png(width, height, 8, colorType, (y, row) => samples.AsSpan(y * rowLength, rowLength).CopyTo(row));
    }

    /// <summary>A PNG from 16-bit samples given row-major, channels interleaved, written big-endian.</summary>
    public static byte[] Png16(int width, int height, int colorType, ushort[] samples, Func<int, int>? filterOfRow = null)
    {
        int rowSamples = width * Channels(colorType);
        return Png(width, height, 16, colorType, (y, row) =>
        {
            for (int i = 0; i < rowSamples; i++)
                BinaryPrimitives.WriteUInt16BigEndian(row.Slice(2 * i), samples[y * rowSamples + i]);
        }, filterOfRow);
    }

    public static void WritePng(Stream output, int width, int height, int bitDepth, int colorType, FillRow fill, Func<int, int>? filterOfRow = null)
    {
        output.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = (byte)colorType;
        WriteChunk(output, "IHDR", ihdr);

        int bitsPerPixel = Channels(colorType) * bitDepth;
        int rowLength = (width * bitsPerPixel + 7) / 8;
        int bytesPerPixel = Math.Max(1, bitsPerPixel / 8);
        var raw = new byte[rowLength];
        var prior = new byte[rowLength];
        var filtered = new byte[rowLength + 1];
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                raw.AsSpan().Clear();
                fill(y, raw);
                int filter = filterOfRow?.Invoke(y) ?? 0;
                filtered[0] = (byte)filter;
                Filter(filter, raw, prior, bytesPerPixel, filtered.AsSpan(1));
                zlib.Write(filtered);
                (raw, prior) = (prior, raw);
            }
        }
        WriteChunk(output, "IDAT", compressed.ToArray());
        WriteChunk(output, "IEND", []);
    }

    /// <summary>Applies PNG filter <paramref name="type"/> (None, Sub, Up, Average, Paeth).</summary>
    private static void Filter(int type, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        for (int i = 0; i < raw.Length; i++)
        {
            int left = i >= bpp ? raw[i - bpp] : 0, up = prior[i], upLeft = i >= bpp ? prior[i - bpp] : 0;
            int predictor = type switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) >> 1,
                4 => Paeth(left, up, upLeft),
                _ => throw new ArgumentOutOfRangeException(nameof(type)),
            };
            output[i] = (byte)(raw[i] - predictor);
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeAndData = new byte[4 + data.Length];
        for (int i = 0; i < 4; i++)
            typeAndData[i] = (byte)type[i];
        data.CopyTo(typeAndData, 4);
        output.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        output.Write(word);
    }

    /// <summary>CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected) as PNG chunks use.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>A grayscale JPEG encoded by SkiaSharp.</summary>
    public static byte[] GrayJpeg(int width, int height, Func<int, int, byte> value, int quality = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                pixels[y * bitmap.RowBytes + x] = value(x, y);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    /// <summary>
    /// Inserts an APP1 Exif segment right after the JPEG's SOI marker: a big-endian TIFF header and one IFD entry,
    /// Orientation (tag 0x0112, SHORT, count 1) = <paramref name="orientation"/>.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        if (jpeg[0] != 0xFF || jpeg[1] != 0xD8)
            throw new ArgumentException("not a JPEG", nameof(jpeg));
        byte[] exif =
        [
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,        // TIFF header, IFD0 at offset 8
            0, 1,                                           // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1,                   // Orientation, SHORT, count 1
            (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,                                     // no next IFD
        ];
        int segmentLength = exif.Length + 2;
        var output = new List<byte>(jpeg.Length + exif.Length + 4) { 0xFF, 0xD8, 0xFF, 0xE1, (byte)(segmentLength >> 8), (byte)segmentLength };
        output.AddRange(exif);
        output.AddRange(jpeg.AsSpan(2).ToArray());
        return output.ToArray();
    }
}
