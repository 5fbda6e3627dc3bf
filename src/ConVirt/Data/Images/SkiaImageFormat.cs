using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace ConVirt.Data.Images;

/// <summary>
/// Whatever Skia's codecs read (PNG, JPEG, WebP, BMP, GIF, ...), with 16-bit grayscale PNG through the own
/// <see cref="Png16GrayDecoder"/> (Skia would reduce it to 8 bits); the rules are those of <see cref="ImageDecoder"/>.
/// </summary>
internal sealed class SkiaImageFormat : IImageFormat
{
    // value / 255 and the BT.601 weights times value / 255, so the 8-bit loops are table look-ups and adds.
    private static readonly float[] Unit8 = Table(1f);
    private static readonly float[] Red8 = Table(0.299f);
    private static readonly float[] Green8 = Table(0.587f);
    private static readonly float[] Blue8 = Table(0.114f);

    /// <inheritdoc/>
    public string Name => "Skia (PNG, JPEG, WebP, BMP, GIF)";

    /// <inheritdoc/>
    public bool Recognises(string path, ReadOnlySpan<byte> head) => true;

    /// <inheritdoc/>
    public string? Decode(string path, ImageDecodeOptions options, out GrayImage? image)
    {
        image = null;
        using var codec = SKCodec.Create(path, out var createResult);
        if (codec is null)
        {
            return createResult == SKCodecResult.IncompleteInput
                ? "truncated (the header ends early)"
                : $"not a decodable image (unrecognised or corrupt header: {createResult})";
        }

        var header = codec.Info;
        long pixelCount = (long)header.Width * header.Height;
        if (pixelCount > options.MaxPixels)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"image is {header.Width}x{header.Height} = {pixelCount:N0} pixels, more than the limit of {options.MaxPixels:N0}; refused before decoding");
        }
        var origin = codec.EncodedOrigin;

        // PNG bit depth and colour type are not in Skia's image info: read them from the IHDR chunk.
        Span<byte> pngHead = stackalloc byte[29];
        bool isPng = codec.EncodedFormat == SKEncodedImageFormat.Png && ReadHead(path, pngHead);
        if (isPng && Png16GrayDecoder.IsCandidate(pngHead))
        {
            var result = Png16GrayDecoder.TryDecode(File.ReadAllBytes(path), out var gray16, out int w16, out int h16, options.MaxPixels);
            switch (result)
            {
                case Png16GrayDecoder.Result.Decoded:
                    image = ImageOrientation.Apply(gray16, w16, h16, origin);
                    return null;
                case Png16GrayDecoder.Result.Truncated:
                    return "truncated (image data ends early)";
                case Png16GrayDecoder.Result.Corrupt:
                    return "corrupt image data";
                case Png16GrayDecoder.Result.TooLarge:
                    return string.Create(CultureInfo.InvariantCulture, $"image is {w16}x{h16} pixels, more than the limit of {options.MaxPixels:N0}; refused before decoding");
                // NotApplicable: decode with Skia below.
            }
        }

        var (width, height) = ScaledSize(codec, options.TargetShortSide);
        bool is16Bit = header.ColorType is SKColorType.RgbaF16 or SKColorType.RgbaF32 or SKColorType.Rgba16161616
            || (isPng && pngHead[24] == 16);
        SKColorType target = header.ColorType == SKColorType.Gray8 ? SKColorType.Gray8
            : is16Bit ? SKColorType.RgbaF16
            : SKColorType.Rgba8888;
        bool opaque = header.AlphaType == SKAlphaType.Opaque;
        // No colour space: Skia then converts nothing and hands over the encoded values.
        var info = new SKImageInfo(width, height, target, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);

        using var bitmap = new SKBitmap(info);
        var decodeResult = codec.GetPixels(info, bitmap.GetPixels());
        if (decodeResult == SKCodecResult.InvalidScale && (width != header.Width || height != header.Height))
        {
            // The codec offered the scale but refused it: decode at full size.
            return DecodeFullSize(codec, header, target, opaque, origin, out image);
        }
        string? failure = Failure(decodeResult);
        if (failure is not null)
            return failure;

        var pixels = ToIntensities(bitmap, target, opaque);
        image = ImageOrientation.Apply(pixels, width, height, origin);
        return null;
    }

    private static string? DecodeFullSize(SKCodec codec, SKImageInfo header, SKColorType target, bool opaque, SKEncodedOrigin origin, out GrayImage? image)
    {
        image = null;
        var info = new SKImageInfo(header.Width, header.Height, target, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        string? failure = Failure(codec.GetPixels(info, bitmap.GetPixels()));
        if (failure is not null)
            return failure;
        image = ImageOrientation.Apply(ToIntensities(bitmap, target, opaque), header.Width, header.Height, origin);
        return null;
    }

    private static string? Failure(SKCodecResult result) => result switch
    {
        SKCodecResult.Success => null,
        SKCodecResult.IncompleteInput => "truncated (image data ends early)",
        SKCodecResult.ErrorInInput => "corrupt image data",
        SKCodecResult.InvalidInput => "not a decodable image (invalid data)",
        _ => $"not a decodable image ({result})",
    };

    /// <summary>
    /// The decoding size: full size, or for <paramref name="targetShortSide"/> the smallest of the codec's
    /// eighths-scales whose short side is still at least the target (codecs that cannot scale report full size).
    /// </summary>
    private static (int Width, int Height) ScaledSize(SKCodec codec, int? targetShortSide)
    {
        var full = codec.Info;
        if (targetShortSide is not int target || Math.Min(full.Width, full.Height) <= target)
            return (full.Width, full.Height);
        for (int eighths = 1; eighths < 8; eighths++)
        {
            var size = codec.GetScaledDimensions(eighths / 8f);
            if (size.Width < full.Width && Math.Min(size.Width, size.Height) >= target)
                return (size.Width, size.Height);
        }
        return (full.Width, full.Height);
    }

    /// <summary>Converts decoded pixels to row-major intensities: gray / 255, or BT.601 luminance times alpha.</summary>
    private static float[] ToIntensities(SKBitmap bitmap, SKColorType colorType, bool opaque)
    {
        int width = bitmap.Width, height = bitmap.Height, rowBytes = bitmap.RowBytes;
        ReadOnlySpan<byte> source = bitmap.GetPixelSpan();
        var output = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            var row = source.Slice(y * rowBytes, rowBytes);
            var outRow = output.AsSpan(y * width, width);
            switch (colorType)
            {
                case SKColorType.Gray8:
                    for (int x = 0; x < outRow.Length; x++)
                        outRow[x] = Unit8[row[x]];
                    break;
                case SKColorType.Rgba8888 when opaque:
                    for (int x = 0, i = 0; x < outRow.Length; x++, i += 4)
                        outRow[x] = Red8[row[i]] + Green8[row[i + 1]] + Blue8[row[i + 2]];
                    break;
                case SKColorType.Rgba8888:
                    for (int x = 0, i = 0; x < outRow.Length; x++, i += 4)
                        outRow[x] = (Red8[row[i]] + Green8[row[i + 1]] + Blue8[row[i + 2]]) * Unit8[row[i + 3]];
                    break;
                default: // RgbaF16, unpremultiplied
                    var halves = MemoryMarshal.Cast<byte, Half>(row);
                    for (int x = 0, i = 0; x < outRow.Length; x++, i += 4)
                    {
                        float luminance = 0.299f * (float)halves[i] + 0.587f * (float)halves[i + 1] + 0.114f * (float)halves[i + 2];
                        float alpha = opaque ? 1f : Math.Clamp((float)halves[i + 3], 0f, 1f);
                        outRow[x] = Math.Clamp(luminance, 0f, 1f) * alpha;
                    }
                    break;
            }
        }
        return output;
    }

    private static bool ReadHead(string path, Span<byte> head)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length;
    }

    private static float[] Table(float weight)
    {
        var table = new float[256];
        for (int v = 0; v < 256; v++)
            table[v] = weight * v / 255f;
        return table;
    }
}
