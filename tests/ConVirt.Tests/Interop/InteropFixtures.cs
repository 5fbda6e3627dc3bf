using SkiaSharp;

namespace ConVirt.Tests.Interop;

/// <summary>Real X-ray images decoded with SkiaSharp for comparisons against ONNX Runtime.</summary>
internal static class InteropFixtures
{
    public const int Size = 224;

    /// <summary>The first <paramref name="count"/> pneumonia images (sorted by name) as gray [count, 224*224] in [0, 1]; null without shared data.</summary>
    public static float[][]? PneumoniaImages(int count)
    {
        if (TestPaths.SharedData is not { } root) return null;
        var folder = Path.Combine(root, "pneumonia", "images");
        if (!Directory.Exists(folder)) return null;
        return Directory.GetFiles(folder, "*.jpeg").OrderBy(p => p, StringComparer.Ordinal).Take(count).Select(LoadGray224).ToArray();
    }

    /// <summary>Decodes an image, resizes it to 224x224 (bilinear) and returns luminance / 255, row-major.</summary>
    public static float[] LoadGray224(string path)
    {
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException("cannot decode " + path);
        using var rgba = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(rgba)) canvas.DrawBitmap(decoded, 0, 0);
        using var resized = rgba.Resize(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear));
        var pixels = resized.GetPixelSpan();
        var gray = new float[Size * Size];
        for (int i = 0; i < gray.Length; i++)
        {
            int r = pixels[4 * i], g = pixels[4 * i + 1], b = pixels[4 * i + 2];
            gray[i] = (byte)Math.Round(0.299 * r + 0.587 * g + 0.114 * b) / 255f;
        }
        return gray;
    }

    /// <summary>Stacks gray images into [B, channels, 224, 224] (channels replicated), multiplied by <paramref name="scale"/>.</summary>
    public static float[] Stack(float[][] images, int channels, float scale = 1f)
    {
        int plane = Size * Size;
        var result = new float[images.Length * channels * plane];
        for (int b = 0; b < images.Length; b++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < plane; i++)
                    result[(b * channels + c) * plane + i] = images[b][i] * scale;
        return result;
    }

    /// <summary>max |a - b|.</summary>
    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>max |a|.</summary>
    public static float MaxAbs(ReadOnlySpan<float> a)
    {
        float max = 0;
        foreach (var v in a) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
