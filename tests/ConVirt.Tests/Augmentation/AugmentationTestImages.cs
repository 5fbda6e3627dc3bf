using ConVirt.Data;

namespace ConVirt.Tests.Augmentation;

/// <summary>Small fixture images for the augmentation tests.</summary>
internal static class AugmentationTestImages
{
    /// <summary>Pixels that differ everywhere and are not mirror-symmetric: value depends on x and y differently.</summary>
    public static GrayImage Ramp(int width, int height)
    {
        var p = new float[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                p[y * width + x] = (x * 7 + y * 3 + (x * y) % 5) / (float)(width * 7 + height * 3 + 5);
        return new GrayImage(width, height, p);
    }

    public static GrayImage Random(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var p = new float[width * height];
        for (int i = 0; i < p.Length; i++) p[i] = (float)rng.NextDouble();
        return new GrayImage(width, height, p);
    }
}
