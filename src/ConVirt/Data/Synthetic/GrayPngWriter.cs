using SkiaSharp;

namespace ConVirt.Data.Synthetic;

/// <summary>Encodes a <see cref="GrayImage"/> as an 8-bit grayscale PNG with SkiaSharp.</summary>
internal static class GrayPngWriter
{
    public static byte[] Encode(GrayImage image)
    {
        var bytes = new byte[image.Width * image.Height];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)Math.Clamp((int)MathF.Round(image.Pixels[i] * 255f), 0, 255);
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var skImage = SKImage.FromPixelCopy(info, bytes, image.Width)
            ?? throw new InvalidOperationException($"SkiaSharp could not wrap a {image.Width} x {image.Height} gray image.");
        using var data = skImage.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode a PNG.");
        return data.ToArray();
    }
}
