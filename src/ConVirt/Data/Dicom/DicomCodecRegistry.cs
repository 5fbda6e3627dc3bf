
namespace ConVirt.Data.Dicom;

/// <summary>The pixel codecs, chosen by Transfer Syntax UID.</summary>
internal static class DicomCodecRegistry
{
    /// <summary>Every registered codec: add a codec here (one line) and its syntaxes decode everywhere.</summary>
    public static IReadOnlyList<IDicomCodec> Codecs { get; } =
    [
        new NativeCodec(),
        new DeflatedFrameCodec(),
        new RleCodec(),
        new JpegBaselineCodec(),
        new JpegExtendedCodec(),
        new JpegLosslessCodec(),
        new JpegLsCodec(),
        new Jpeg2000Codec(),
    ];

    private static readonly Dictionary<string, IDicomCodec> ByUid = Codecs
        .SelectMany(c => c.TransferSyntaxes.Select(uid => (uid, c)))
        .GroupBy(p => p.uid).ToDictionary(g => g.Key, g => g.First().c);

    /// <summary>The codec for <paramref name="syntax"/>, or null when none is registered.</summary>
    public static IDicomCodec? Find(DicomTransferSyntax syntax) => ByUid.GetValueOrDefault(syntax.Uid);

    /// <summary>The codec for <paramref name="syntax"/>.</summary>
    /// <exception cref="DicomCodecException">No codec is registered: "unsupported transfer syntax UID (name)".</exception>
    public static IDicomCodec Get(DicomTransferSyntax syntax) =>
        Find(syntax) ?? throw new DicomCodecException($"unsupported transfer syntax {syntax.Uid} ({syntax.Name}): no codec for it in this build");
}
