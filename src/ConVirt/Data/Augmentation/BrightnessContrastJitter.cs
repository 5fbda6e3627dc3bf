namespace ConVirt.Data.Augmentation;

/// <summary>
/// Monochrome colour jitter with torchvision semantics, brightness first, then contrast:
/// brightness p -> clamp(b p, 0, 1); contrast p -> clamp(c p + (1 - c) mean, 0, 1), mean taken over the image
/// after the brightness step.
/// </summary>
internal static class BrightnessContrastJitter
{
    /// <summary>Applies both factors in place; factors of exactly 1 leave the pixels untouched.</summary>
    public static void Apply(Span<float> pixels, float brightness, float contrast)
    {
        if (!(brightness >= 0)) throw new ArgumentOutOfRangeException(nameof(brightness), brightness, $"Brightness factor must be at least 0; got {brightness}.");
        if (!(contrast >= 0)) throw new ArgumentOutOfRangeException(nameof(contrast), contrast, $"Contrast factor must be at least 0; got {contrast}.");
        if (brightness != 1f)
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Math.Clamp(pixels[i] * brightness, 0f, 1f);
        if (contrast != 1f && pixels.Length > 0)
        {
            double sum = 0;
            foreach (float p in pixels) sum += p;
            float offset = (1f - contrast) * (float)(sum / pixels.Length);
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Math.Clamp(pixels[i] * contrast + offset, 0f, 1f);
        }
    }
}
