using System.Buffers.Binary;
using System.IO.Compression;

namespace ConVirt.Data.Images;

/// <summary>
/// Decodes 16-bit grayscale PNGs at full precision. Skia's PNG codec reduces 16-bit gray to 8 bits (it keeps
/// 16 bits only for RGB/RGBA), which throws away most of a 12- to 16-bit radiograph's range.
/// </summary>
/// <remarks>
/// Handles the common case only: colour type 0, bit depth 16, not interlaced, no tRNS chunk. Anything else
/// returns <see cref="Result.NotApplicable"/> and the caller decodes with Skia. Chunk CRCs are not checked;
/// the zlib stream's Adler-32 check catches corrupt pixel data.
/// </remarks>
internal static class Png16GrayDecoder
{
    public enum Result { Decoded, NotApplicable, Truncated, Corrupt, TooLarge }

    /// <summary>
    /// Most bytes one compressed byte can inflate to (deflate's limit is 1032:1; zlib adds a few header bytes): an
    /// IDAT payload too small for the rows the header claims is truncated, found before the pixels are allocated.
    /// </summary>
    private const long MaxInflateRatio = 1032;

    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Whether the file header announces a non-interlaced 16-bit grayscale PNG (first 29 bytes suffice).</summary>
    public static bool IsCandidate(ReadOnlySpan<byte> head) =>
        head.Length >= 29 && head.StartsWith(Signature) && head.Slice(12, 4).SequenceEqual("IHDR"u8)
        && head[24] == 16 && head[25] == 0 && head[28] == 0;

    /// <summary>Decodes <paramref name="file"/> into intensities value / 65535, row-major.</summary>
    /// <param name="file">The whole PNG file.</param>
    /// <param name="pixels">The intensities when the result is <see cref="Result.Decoded"/>.</param>
    /// <param name="width">Width from the header.</param>
    /// <param name="height">Height from the header.</param>
    /// <param name="maxPixels">Largest image decoded: a larger header gives <see cref="Result.TooLarge"/> before any pixel is allocated.</param>
    public static Result TryDecode(byte[] file, out float[] pixels, out int width, out int height, long maxPixels = 50_000_000)
    {
        pixels = [];
        width = height = 0;
        if (!IsCandidate(file))
            return Result.NotApplicable;
        width = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(16));
        height = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(20));
        if (width <= 0 || height <= 0)
            return Result.Corrupt;
        if ((long)width * height > Math.Min(maxPixels, Array.MaxLength) || width > Array.MaxLength / 2)
            return Result.TooLarge;

        // Concatenate the IDAT chunks (compressed data is small next to the pixels).
        using var compressed = new MemoryStream();
        int position = 8;
        bool sawEnd = false;
        while (position + 8 <= file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(position));
            var type = file.AsSpan(position + 4, 4);
            if (length < 0)
                return Result.Corrupt;
            if ((long)position + 12 + length > file.Length)
                return Result.Truncated;
            if (type.SequenceEqual("tRNS"u8))
                return Result.NotApplicable;
            if (type.SequenceEqual("IDAT"u8))
                compressed.Write(file, position + 8, length);
            position += 12 + length;
            if (type.SequenceEqual("IEND"u8))
            {
                sawEnd = true;
                break;
            }
        }
        if (compressed.Length == 0)
            return sawEnd ? Result.Corrupt : Result.Truncated;

        // found by fuzzing: a 68-byte file claiming 2^30 pixels allocated 4 GiB before failing on the data
        if ((2L * width + 1) * height > compressed.Length * MaxInflateRatio)
            return Result.Truncated;
        compressed.Position = 0;
        int stride = width * 2;
        var previous = new byte[stride];
        var current = new byte[stride];
        pixels = new float[(long)width * height];
        const float Scale = 1f / 65535f;
        try
        {
            using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
            Span<byte> filter = stackalloc byte[1];
            for (int y = 0; y < height; y++)
            {
                if (inflater.ReadAtLeast(filter, 1, throwOnEndOfStream: false) < 1
                    || inflater.ReadAtLeast(current, stride, throwOnEndOfStream: false) < stride)
                    return Result.Truncated;
                if (!Unfilter(filter[0], current, previous))
                    return Result.Corrupt;
                long row = (long)y * width;
                for (int x = 0; x < width; x++)
                    pixels[row + x] = ((current[2 * x] << 8) | current[2 * x + 1]) * Scale;
                (previous, current) = (current, previous);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // found by fuzzing: zlib reports some corrupt streams as ZLibException (an IOException), not InvalidDataException
            return Result.Corrupt;
        }
        return Result.Decoded;
    }

    /// <summary>Undoes one PNG filter in place (2 bytes per pixel); false for an unknown filter type.</summary>
    private static bool Unfilter(byte filterType, Span<byte> row, ReadOnlySpan<byte> above)
    {
        const int Bpp = 2;
        switch (filterType)
        {
            case 0:
                return true;
            case 1: // Sub
                for (int i = Bpp; i < row.Length; i++)
                    row[i] += row[i - Bpp];
                return true;
            case 2: // Up
                for (int i = 0; i < row.Length; i++)
                    row[i] += above[i];
                return true;
            case 3: // Average
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= Bpp ? row[i - Bpp] : 0) + above[i]) >> 1);
                return true;
            case 4: // Paeth
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= Bpp ? row[i - Bpp] : 0, b = above[i], c = i >= Bpp ? above[i - Bpp] : 0;
                    int p = a + b - c;
                    int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                return true;
            default:
                return false;
        }
    }
}
