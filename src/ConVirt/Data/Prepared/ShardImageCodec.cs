using ConVirt.Data.Images;
using System.Diagnostics.CodeAnalysis;
using SkiaSharp;

namespace ConVirt.Data.Prepared;

/// <summary>
/// The images of prepared shards: gray PNG of 8 bits (SkiaSharp) or 16 bits (<see cref="Png16GrayEncoder"/>),
/// decoded from the bytes of a tar entry into intensities in [0, 1].
/// </summary>
internal static class ShardImageCodec
{
    /// <summary>Encodes <paramref name="image"/> as a gray PNG of <paramref name="bits"/> (8 or 16) bits.</summary>
    public static byte[] Encode(GrayImage image, int bits) => bits switch
    {
        8 => Synthetic.GrayPngWriter.Encode(image),
        16 => Png16GrayEncoder.Encode(image),
        _ => throw new ArgumentOutOfRangeException(nameof(bits), bits, "bits must be 8 or 16"),
    };

    /// <summary>Largest image a shard entry may hold (the decoder's default limit): a larger header is refused before decoding.</summary>
    public const long MaxPixels = 50_000_000;

    private static string TooLarge(int width, int height) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"PNG is {width}x{height} pixels, more than the limit of {MaxPixels:N0}; refused before decoding");

    /// <summary>Decodes PNG bytes, or says why not (<c>truncated ...</c>, <c>corrupt ...</c>, <c>not a PNG</c>).</summary>
    public static bool TryDecode(byte[] png, [NotNullWhen(true)] out GrayImage? image, [NotNullWhen(false)] out string? error)
    {
        image = null;
        error = null;
        if (png.Length == 0) { error = "empty .png entry"; return false; }
        switch (Png16GrayDecoder.TryDecode(png, out var pixels, out int w16, out int h16, MaxPixels))
        {
            case Png16GrayDecoder.Result.Decoded: image = new GrayImage(w16, h16, pixels); return true;
            case Png16GrayDecoder.Result.Truncated: error = "truncated PNG (image data ends early)"; return false;
            case Png16GrayDecoder.Result.Corrupt: error = "corrupt PNG data"; return false;
            case Png16GrayDecoder.Result.TooLarge: error = TooLarge(w16, h16); return false;
        }
        using var data = SKData.CreateCopy(png);
        using var codec = SKCodec.Create(data);
        if (codec is null) { error = "not a decodable PNG (unrecognised or corrupt header)"; return false; }
        if ((long)codec.Info.Width * codec.Info.Height > MaxPixels) { error = TooLarge(codec.Info.Width, codec.Info.Height); return false; }
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            error = result == SKCodecResult.IncompleteInput ? "truncated PNG (image data ends early)" : $"corrupt PNG data ({result})";
            return false;
        }
        ReadOnlySpan<byte> source = bitmap.GetPixelSpan();
        var intensities = new float[info.Width * info.Height];
        for (int y = 0; y < info.Height; y++)
        {
            var row = source.Slice(y * bitmap.RowBytes, info.Width);
            for (int x = 0; x < info.Width; x++) intensities[y * info.Width + x] = row[x] / 255f;
        }
        image = new GrayImage(info.Width, info.Height, intensities);
        return true;
    }
}
