namespace ConVirt.Data.Dicom;

/// <summary>
/// Colour samples (pixel-interleaved RGB or YBR_FULL) to luminance 0.299 R + 0.587 G + 0.114 B in [0, 1],
/// the weights the PNG/JPEG path uses. YBR_FULL goes to RGB first (PS3.3 C.7.6.3.1.2, full range, each
/// channel clamped), as pydicom's convert_color_space does.
/// </summary>
internal static class ColorToLuminance
{
    /// <summary>Converts <paramref name="samples"/> (3 per pixel) into <paramref name="output"/> (1 per pixel).</summary>
    /// <exception cref="DicomCodecException">A colour space other than RGB or YBR_FULL.</exception>
    public static void Apply(ReadOnlySpan<int> samples, string photometric, int bitsStored, Span<float> output)
    {
        double max = Math.Pow(2, bitsStored) - 1;
        double scale = 1 / max;
        int pixels = samples.Length / 3;
        // bits above Bits Stored are not pixel data (PS3.5 8.1.1): masked as the grey path masks them; found by
        // fuzzing: RGB with Bits Stored 1 in 8-bit samples gave intensities up to 255 instead of [0, 1]
        long mask = bitsStored >= 32 ? uint.MaxValue : (1L << bitsStored) - 1;
        switch (photometric)
        {
            case "RGB":
                for (int p = 0; p < pixels; p++)
                    output[p] = (float)((0.299 * (samples[3 * p] & mask) + 0.587 * (samples[3 * p + 1] & mask) + 0.114 * (samples[3 * p + 2] & mask)) * scale);
                break;
            case "YBR_FULL":
                double half = Math.Pow(2, bitsStored - 1);
                for (int p = 0; p < pixels; p++)
                {
                    double y = (samples[3 * p] & mask), cb = (samples[3 * p + 1] & mask) - half, cr = (samples[3 * p + 2] & mask) - half;
                    double r = Math.Clamp(y + 1.402 * cr, 0, max);
                    double g = Math.Clamp(y - 0.114 * 1.772 / 0.587 * cb - 0.299 * 1.402 / 0.587 * cr, 0, max);
                    double b = Math.Clamp(y + 1.772 * cb, 0, max);
                    output[p] = (float)((0.299 * r + 0.587 * g + 0.114 * b) * scale);
                }
                break;
            default:
                throw new DicomCodecException($"colour samples in {photometric} cannot be converted to luminance (RGB and YBR_FULL can)");
        }
    }
}
