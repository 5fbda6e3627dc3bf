namespace ConVirt.Data.Dicom;

/// <summary>A DICOM transfer syntax: how the dataset is encoded and how Pixel Data is stored.</summary>
/// <param name="Uid">The Transfer Syntax UID.</param>
/// <param name="Name">The standard's name, for messages (a UID is not patient data).</param>
/// <param name="ExplicitVr">Elements carry their value representation.</param>
/// <param name="BigEndian">Numbers are big endian (the retired Explicit VR Big Endian).</param>
/// <param name="DeflatedDataset">Everything after the File Meta group is raw deflate (RFC 1951).</param>
/// <param name="Encapsulated">Pixel Data is a sequence of fragments (compressed frames).</param>
internal sealed record DicomTransferSyntax(string Uid, string Name, bool ExplicitVr, bool BigEndian, bool DeflatedDataset, bool Encapsulated)
{
#pragma warning disable CS1591 // the names are the standard's
    public static readonly DicomTransferSyntax ImplicitVrLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);
    public static readonly DicomTransferSyntax ExplicitVrLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);
    public static readonly DicomTransferSyntax DeflatedExplicitVrLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);
    public static readonly DicomTransferSyntax ExplicitVrBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false);
    public static readonly DicomTransferSyntax RleLossless = Compressed("1.2.840.10008.1.2.5", "RLE Lossless");
    public static readonly DicomTransferSyntax DeflatedImageFrameCompression = Compressed("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression");
    public static readonly DicomTransferSyntax JpegBaseline = Compressed("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)");
#pragma warning restore CS1591

    private static DicomTransferSyntax Compressed(string uid, string name) => new(uid, name, true, false, false, true);

    private static readonly Dictionary<string, DicomTransferSyntax> Known = new[]
    {
        ImplicitVrLittleEndian, ExplicitVrLittleEndian, DeflatedExplicitVrLittleEndian, ExplicitVrBigEndian, RleLossless,
        DeflatedImageFrameCompression, JpegBaseline,
        Compressed("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)"),
        Compressed("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)"),
        Compressed("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])"),
        Compressed("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression"),
        Compressed("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression"),
        Compressed("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)"),
        Compressed("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression"),
        Compressed("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)"),
        Compressed("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)"),
        Compressed("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression"),
        Compressed("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
        Compressed("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
        Compressed("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
    }.ToDictionary(s => s.Uid);

    /// <summary>
    /// The syntax for <paramref name="uid"/>. An unknown UID is taken as an encapsulated Explicit VR Little
    /// Endian syntax (the standard's rule for every syntax after the first four) named "unknown".
    /// </summary>
    public static DicomTransferSyntax FromUid(string uid) =>
        Known.TryGetValue(uid, out var syntax) ? syntax : new DicomTransferSyntax(uid, "unknown transfer syntax", true, false, false, true);

    /// <summary>"UID (name)", for messages.</summary>
    public override string ToString() => $"{Uid} ({Name})";
}
