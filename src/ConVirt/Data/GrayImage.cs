namespace ConVirt.Data;

/// <summary>
/// A single-channel image in memory: row-major pixels in [0, 1] (0 = black). The data path works on these
/// in managed code so that decoding and augmentation never compete with libtorch's intra-op threads.
/// </summary>
/// <param name="Width">Width in pixels (at least 1).</param>
/// <param name="Height">Height in pixels (at least 1).</param>
/// <param name="Pixels">Width * Height intensities, row by row.</param>
internal sealed record GrayImage(int Width, int Height, float[] Pixels)
{
    /// <summary>The intensity at column x, row y.</summary>
    public float this[int x, int y] => Pixels[y * Width + x];

    /// <summary>A new image of the given size filled with one value.</summary>
    public static GrayImage Filled(int width, int height, float value)
    {
        var p = new float[width * height];
        Array.Fill(p, value);
        return new GrayImage(width, height, p);
    }
}
