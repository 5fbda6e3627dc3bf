using ConVirt.Data.Images;
using System.Buffers.Binary;
using System.IO.Compression;

namespace ConVirt.Data.Prepared;

/// <summary>
/// Writes 16-bit grayscale PNGs (colour type 0, bit depth 16, not interlaced, Sub filter on every row), which Skia
/// cannot encode; <see cref="Png16GrayDecoder"/> reads them back at full precision.
/// </summary>
internal static class Png16GrayEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes intensities in [0, 1] as round(value * 65535), big-endian.</summary>
    public static byte[] Encode(GrayImage image)
    {
        int w = image.Width, h = image.Height, stride = 2 * w;
        var raw = new byte[h * (stride + 1)];
        var line = new byte[stride];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
                BinaryPrimitives.WriteUInt16BigEndian(line.AsSpan(2 * x), (ushort)Math.Clamp((int)MathF.Round(image.Pixels[y * w + x] * 65535f), 0, 65535));
            int o = y * (stride + 1);
            raw[o] = 1; // Sub: each byte minus the byte two to its left (one 16-bit sample)
            for (int i = 0; i < stride; i++) raw[o + 1 + i] = (byte)(line[i] - (i >= 2 ? line[i - 2] : 0));
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);

        using var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = 16; // bit depth; colour type 0, compression 0, filter 0, interlace 0
        Chunk(png, "IHDR"u8, ihdr);
        Chunk(png, "IDAT"u8, compressed.ToArray());
        Chunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        png.Write(type);
        png.Write(data);
        uint crc = Update(Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        png.Write(word);
    }

    /// <summary>CRC-32 (ISO 3309, as PNG uses) of <paramref name="data"/>.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
