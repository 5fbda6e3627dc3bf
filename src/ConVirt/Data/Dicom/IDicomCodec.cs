namespace ConVirt.Data.Dicom;

/// <summary>
/// What a pixel codec needs to know about the image it decodes, read from the DICOM header by the reader
/// (Rows, Columns, Samples per Pixel, Bits Allocated, Bits Stored, Pixel Representation, Photometric
/// Interpretation, Planar Configuration).
/// </summary>
internal sealed record DicomPixelFormat(
    int Rows,
    int Columns,
    int SamplesPerPixel,
    int BitsAllocated,
    int BitsStored,
    int PixelRepresentation,
    string Photometric,
    int PlanarConfiguration)
{
    /// <summary>Pixels in one frame.</summary>
    public long PixelCount => (long)Rows * Columns;

    /// <summary>True when stored values are signed (Pixel Representation 1).</summary>
    public bool Signed => PixelRepresentation == 1;
}

/// <summary>
/// One decoded frame: the stored sample values, pixel-interleaved (sample index fastest, then column, then
/// row; <c>Samples.Length == Rows * Columns * SamplesPerPixel</c>), not yet masked, rescaled or windowed,
/// and the colour space those samples are in (a JPEG 2000 codec that reverses YBR_ICT returns "RGB"; a
/// JPEG baseline codec that hands over raw YCbCr returns "YBR_FULL").
/// </summary>
internal sealed record DicomFrame(int[] Samples, string Photometric);

/// <summary>
/// A pixel-data codec for one or more transfer syntaxes. The reader assembles one frame's compressed bytes
/// (its fragments concatenated, or the native bytes of the frame) and hands them to the codec chosen by the
/// file's Transfer Syntax UID.
/// </summary>
/// <remarks>Implementations are stateless and thread-safe. Native codec libraries are loaded lazily on the
/// first <see cref="Decode"/>, never by constructing or listing the codec.</remarks>
internal interface IDicomCodec
{
    /// <summary>The Transfer Syntax UIDs this codec decodes.</summary>
    IReadOnlyList<string> TransferSyntaxes { get; }

    /// <summary>Short name for messages and benchmarks, e.g. "JPEG 2000 (libopenjp2)".</summary>
    string Name { get; }

    /// <summary>Decodes one frame.</summary>
    /// <param name="frame">The frame's bytes: for encapsulated syntaxes the codestream (fragments concatenated).</param>
    /// <param name="format">The header's description of the image.</param>
    /// <exception cref="DicomCodecException">The data is corrupt, truncated, or does not match the header; the
    /// message says what is wrong (the caller adds the file name).</exception>
    /// <exception cref="DicomCodecUnavailableException">A native library the codec needs is not installed.</exception>
    DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format);
}

/// <summary>A frame that cannot be decoded: corrupt, truncated, or inconsistent with the header.</summary>
internal class DicomCodecException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A codec's native library is missing; names the library and the Debian package that provides it.</summary>
internal sealed class DicomCodecUnavailableException(string codec, string library, string package, Exception? inner = null)
    : DicomCodecException($"{codec} needs the native library {library}, which is not installed (Debian: apt-get install {package})", inner)
{
    /// <summary>The Debian package to install, e.g. <c>libopenjp2-7</c>.</summary>
    public string Package { get; } = package;
}
