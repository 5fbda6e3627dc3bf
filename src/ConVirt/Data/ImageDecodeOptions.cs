using ConVirt.Data.Images;
namespace ConVirt.Data;

/// <summary>Limits and size hints for <see cref="ImageDecoder"/>.</summary>
/// <param name="MaxPixels">Images whose header reports more pixels than this are refused before any pixel is
/// decoded (a guard against decompression bombs and oversized scans).</param>
/// <param name="TargetShortSide">When set, a codec that can decode at reduced scale (JPEG: 1/8 to 8/8) decodes at
/// the smallest scale whose short side is still at least this; null decodes at full size.</param>
internal sealed record ImageDecodeOptions(long MaxPixels = 50_000_000, int? TargetShortSide = null)
{
    /// <summary>DICOM: the VOI rule for grey images (first window by default, <c>minmax</c>, or <c>index:N</c>).</summary>
    public DicomWindowChoice DicomWindow { get; init; } = DicomWindowChoice.First;

    /// <summary>DICOM: the frame of a multi-frame file (0-based; default 0).</summary>
    public int DicomFrame { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (MaxPixels < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "MaxPixels must be at least 1.");
        if (TargetShortSide is < 1)
            throw new ArgumentOutOfRangeException(nameof(TargetShortSide), TargetShortSide, "TargetShortSide must be at least 1 when set.");
        if (DicomFrame < 0)
            throw new ArgumentOutOfRangeException(nameof(DicomFrame), DicomFrame, "DicomFrame must be at least 0.");
        ArgumentNullException.ThrowIfNull(DicomWindow);
    }
}
