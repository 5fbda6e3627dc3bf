using System.IO.Compression;

namespace ConVirt.Data.Dicom;

/// <summary>
/// Deflated Image Frame Compression (1.2.840.10008.1.2.8.1): each frame is raw deflate (RFC 1951) of its
/// native little-endian bytes.
/// </summary>
internal sealed class DeflatedFrameCodec : IDicomCodec
{
    /// <inheritdoc/>
    public IReadOnlyList<string> TransferSyntaxes { get; } = [DicomTransferSyntax.DeflatedImageFrameCompression.Uid];

    /// <inheritdoc/>
    public string Name => "deflated frames (System.IO.Compression)";

    /// <inheritdoc/>
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        long needed = (DicomFile.NativeFrameBits(format) + 7) / 8;
        if (needed > Array.MaxLength) throw new DicomCodecException($"frame of {needed:N0} bytes is too large");
        var native = new byte[needed];
        int filled = 0;
        {
            using var input = new MemoryStream(frame.ToArray(), writable: false);
            using var deflate = new DeflateStream(input, CompressionMode.Decompress);
            try
            {
                int n;
                while (filled < native.Length && (n = deflate.Read(native, filled, native.Length - filled)) > 0) filled += n;
            }
            catch (InvalidDataException e)
            {
                throw new DicomCodecException($"deflated frame is corrupt ({e.Message})", e);
            }
        }
        if (filled < native.Length)
            throw new DicomCodecException($"deflated frame inflates to {filled:N0} bytes, fewer than the {needed:N0} the header needs");
        return NativeCodec.DecodeNative(native, format);
    }
}
