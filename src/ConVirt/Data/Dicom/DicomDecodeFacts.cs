using System.Globalization;

namespace ConVirt.Data.Dicom;

/// <summary>How a DICOM image was decoded (no header values such as names, IDs or dates), for `convirt preview`.</summary>
/// <param name="TransferSyntax">The file's transfer syntax.</param>
/// <param name="Codec">The codec's name.</param>
/// <param name="Columns">Width.</param>
/// <param name="Rows">Height.</param>
/// <param name="Frames">Number of frames in the file.</param>
/// <param name="Frame">The frame decoded.</param>
/// <param name="BitsStored">Bits Stored.</param>
/// <param name="BitsAllocated">Bits Allocated.</param>
/// <param name="Signed">Pixel Representation 1.</param>
/// <param name="Photometric">The header's Photometric Interpretation.</param>
/// <param name="DecodedPhotometric">The colour space the codec's samples were in.</param>
/// <param name="Modality">The Modality LUT stage, or null for colour.</param>
/// <param name="Window">The VOI stage, or how colour became luminance.</param>
/// <param name="Inverted">MONOCHROME1 or Presentation LUT Shape INVERSE turned the image over.</param>
internal sealed record DicomDecodeFacts(
    DicomTransferSyntax TransferSyntax, string Codec, int Columns, int Rows, int Frames, int Frame,
    int BitsStored, int BitsAllocated, bool Signed, string Photometric, string DecodedPhotometric,
    string? Modality, string Window, bool Inverted)
{
    /// <summary>The facts as "name: value" lines.</summary>
    public IReadOnlyList<string> Lines() =>
    [
        $"transfer syntax: {TransferSyntax}",
        $"codec: {Codec}",
        string.Create(CultureInfo.InvariantCulture, $"size: {Columns} x {Rows}, frame {Frame} of {Frames}"),
        $"bits: {BitsStored} stored of {BitsAllocated} allocated, {(Signed ? "signed" : "unsigned")}",
        $"photometric: {Photometric}{(DecodedPhotometric != Photometric ? $" (decoded as {DecodedPhotometric})" : "")}",
        $"modality LUT: {Modality ?? "none (colour)"}",
        $"window: {Window}",
        $"inverted: {(Inverted ? "yes" : "no")}",
    ];

    /// <summary>The facts on one line.</summary>
    public override string ToString() => string.Join("; ", Lines());
}
