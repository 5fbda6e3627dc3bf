namespace ConVirt.Data.Dicom;

/// <summary>Limits for <see cref="DicomFile"/>.</summary>
/// <param name="MaxHeaderBytes">The most bytes of dataset read before Pixel Data (default 64 MiB); a file whose
/// Pixel Data starts later is refused.</param>
/// <param name="MaxPixels">A frame whose Rows x Columns exceeds this is refused from the header, before any
/// pixel buffer is allocated (same default as <see cref="ImageDecodeOptions.MaxPixels"/>).</param>
/// <param name="MaxInflatedBytes">The most bytes a Deflated Explicit VR Little Endian dataset or a deflated
/// frame may inflate to (default 1 GiB), a guard against deflate bombs.</param>
internal sealed record DicomReadOptions(long MaxHeaderBytes = 64L << 20, long MaxPixels = 50_000_000, long MaxInflatedBytes = 1L << 30)
{
    /// <summary>The defaults.</summary>
    public static DicomReadOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (MaxHeaderBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxHeaderBytes), MaxHeaderBytes, "MaxHeaderBytes must be at least 1024.");
        if (MaxPixels < 1) throw new ArgumentOutOfRangeException(nameof(MaxPixels), MaxPixels, "MaxPixels must be at least 1.");
        if (MaxInflatedBytes < 1024 || MaxInflatedBytes > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(MaxInflatedBytes), MaxInflatedBytes, "MaxInflatedBytes must be in [1024, 2^31-1].");
    }
}
