namespace ConVirt;

/// <summary>An image already in memory: one grey channel, row by row, intensities in [0, 1] (0 = black), as the
/// decoder produces from PNG, JPEG and DICOM after rescale and window.</summary>
/// <param name="Width">Width in pixels (at least 1).</param>
/// <param name="Height">Height in pixels (at least 1).</param>
/// <param name="Pixels">Width * Height intensities.</param>
public sealed record ImagePixels(int Width, int Height, float[] Pixels)
{
    /// <summary>Throws <see cref="ArgumentException"/> when the size and the pixel count disagree or a value is outside [0, 1].</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Pixels);
        if (Width < 1 || Height < 1) throw new ArgumentException($"ImagePixels: size {Width}x{Height} must be at least 1x1");
        if (Pixels.Length != (long)Width * Height)
            throw new ArgumentException($"ImagePixels: {Pixels.Length} pixels for {Width}x{Height} (expected {(long)Width * Height})");
        for (int i = 0; i < Pixels.Length; i++)
            if (!(Pixels[i] >= 0f && Pixels[i] <= 1f))
                throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"ImagePixels: pixel {i} (x {i % Width}, y {i / Width}) is {Pixels[i]}, outside [0, 1]"));
    }
}
