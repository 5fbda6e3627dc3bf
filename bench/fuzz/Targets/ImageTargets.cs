using ConVirt.Data.Images;
using ConVirt.Data;

namespace ConVirt.Fuzz;

/// <summary>
/// <see cref="ImageDecoder.TryLoad"/> on any bytes (PNG 8/16-bit, JPEG, EXIF orientation, WebP, BMP, GIF through
/// Skia; our 16-bit grey PNG decoder; DICOM by content). Contract: true with a valid image, or false with a reason;
/// it documents no exception.
/// </summary>
internal sealed class ImageDecoderTarget : FuzzTarget
{
    private static readonly ImageDecodeOptions Options = new(MaxPixels: MaxPixels);

    /// <inheritdoc />
    public override string Name => "image";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        if (ImageDecoder.TryLoad(Scratch.Write(data, ".img"), out var image, out var error, Options))
            RequireImage(image);
        else
            Require(!string.IsNullOrWhiteSpace(error), "false without a reason");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => false;
}

/// <summary>
/// Our own 16-bit greyscale PNG decoder alone (chunks, CRC, zlib, filters), as Skia's image decoder hands it a
/// file whose IHDR says 16-bit grey. Contract: Decoded with a valid image, or NotApplicable / Truncated / Corrupt.
/// </summary>
internal sealed class Png16GrayTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "png16";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        var result = Png16GrayDecoder.TryDecode(data, out var pixels, out int width, out int height, MaxPixels);
        if (result != Png16GrayDecoder.Result.Decoded) return;
        Require((long)width * height <= MaxPixels, $"decoded {width}x{height}, more than the limit");
        RequireImage(new GrayImage(width, height, pixels));
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => false;
}
