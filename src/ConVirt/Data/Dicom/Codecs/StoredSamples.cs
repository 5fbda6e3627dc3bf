namespace ConVirt.Data.Dicom;

/// <summary>Helpers shared by the codecs for the header checks and the stored values they return.</summary>
internal static class StoredSamples
{
    /// <summary>The largest frame a codec allocates: 2^31 - 1 samples (the int[] limit of <see cref="DicomFrame"/>).</summary>
    public const long MaxSamples = int.MaxValue;

    /// <summary>Rejects a header a codec cannot allocate for: non-positive sizes, too many samples, odd bit depths.</summary>
    public static long CheckFormat(DicomPixelFormat format, string codec)
    {
        if (format.Rows <= 0 || format.Columns <= 0)
            throw new DicomCodecException($"{codec}: the header gives {format.Rows} rows x {format.Columns} columns");
        if (format.SamplesPerPixel is not (1 or 3))
            throw new DicomCodecException($"{codec}: Samples per Pixel {format.SamplesPerPixel} is not 1 or 3");
        if (format.BitsStored is < 1 or > 16 || format.BitsAllocated is < 1 or > 16 || format.BitsStored > format.BitsAllocated)
            throw new DicomCodecException($"{codec}: Bits Stored {format.BitsStored} / Bits Allocated {format.BitsAllocated} are not a supported depth (1..16)");
        long samples = format.PixelCount * format.SamplesPerPixel;
        if (samples > MaxSamples)
            throw new DicomCodecException($"{codec}: {format.Rows} x {format.Columns} x {format.SamplesPerPixel} samples exceed the {MaxSamples} a frame may hold");
        return samples;
    }

    /// <summary>
    /// Codestreams that only code unsigned samples (JPEG lossless, JPEG-LS, an unsigned JPEG 2000 component)
    /// carry a signed image's two's-complement bit patterns: when Pixel Representation is 1 the samples are
    /// sign-extended from Bits Stored, as pydicom and GDCM do (masking to Bits Stored afterwards changes nothing).
    /// </summary>
    public static void SignExtendIfSigned(int[] samples, DicomPixelFormat format)
    {
        if (!format.Signed)
            return;
        int shift = 32 - format.BitsStored;
        for (int i = 0; i < samples.Length; i++)
            samples[i] = (samples[i] << shift) >> shift;
    }
}
