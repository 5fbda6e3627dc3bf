namespace ConVirt.Data.Augmentation;

/// <summary>Mirrors an image left-right: column x moves to column width - 1 - x.</summary>
internal static class HorizontalFlip
{
    /// <summary>Flips width x height row-major pixels in place.</summary>
    public static void Apply(Span<float> pixels, int width, int height)
    {
        if (width < 1 || height < 1 || pixels.Length < width * height)
            throw new ArgumentException($"Flip needs {width} x {height} pixels; got a span of {pixels.Length}.", nameof(pixels));
        for (int y = 0; y < height; y++) pixels.Slice(y * width, width).Reverse();
    }
}
