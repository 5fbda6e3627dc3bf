using SkiaSharp;

namespace ConVirt.Samples.OnnxEncoder;

/// <summary>Reads a PNG or JPEG as the encoder expects it: gray in [0, 1], short side resized to the size, centre crop.</summary>
public static class GrayImageFile
{
    /// <summary>[size * size] luminance / 255, row-major.</summary>
    public static float[] Load(string path, int size)
    {
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not a PNG or JPEG image");
        double scale = (double)size / Math.Min(decoded.Width, decoded.Height);
        int w = Math.Max(size, (int)Math.Round(decoded.Width * scale)), h = Math.Max(size, (int)Math.Round(decoded.Height * scale));
        using var resized = decoded.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        int left = (w - size) / 2, top = (h - size) / 2;
        var gray = new float[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                var c = resized.GetPixel(left + x, top + y);
                gray[y * size + x] = (float)Math.Round(0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue) / 255f;
            }
        return gray;
    }
}
