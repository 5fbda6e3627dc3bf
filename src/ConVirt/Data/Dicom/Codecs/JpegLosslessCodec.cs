namespace ConVirt.Data.Dicom;

/// <summary>
/// JPEG Lossless, Non-Hierarchical, process 14 (1.2.840.10008.1.2.4.57, any selection value) and its
/// first-order-prediction subset (1.2.840.10008.1.2.4.70), with our own decoder (<see cref="JpegLosslessDecoder"/>).
/// </summary>
internal sealed class JpegLosslessCodec : IDicomCodec
{
    /// <inheritdoc />
    public IReadOnlyList<string> TransferSyntaxes { get; } = ["1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"];

    /// <inheritdoc />
    public string Name => "JPEG lossless (own decoder)";

    /// <inheritdoc />
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        long count = StoredSamples.CheckFormat(format, Name);
        var header = JpegLosslessDecoder.ReadFrame(frame);
        if (header.Lines != format.Rows || header.Columns != format.Columns || header.ComponentIds.Length != format.SamplesPerPixel)
            throw new DicomCodecException($"{Name}: the JPEG frame is {header.Columns} x {header.Lines} with {header.ComponentIds.Length} components, " +
                $"the header says {format.Columns} x {format.Rows} with {format.SamplesPerPixel}");
        var samples = new int[count];
        JpegLosslessDecoder.Decode(frame, header, samples);
        StoredSamples.SignExtendIfSigned(samples, format);
        return new DicomFrame(samples, format.Photometric);
    }
}
