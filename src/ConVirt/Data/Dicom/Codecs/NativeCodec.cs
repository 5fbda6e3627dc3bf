using System.Buffers.Binary;

namespace ConVirt.Data.Dicom;

/// <summary>
/// Uncompressed pixel data (the four native transfer syntaxes; the reader hands over little-endian bytes):
/// Bits Allocated 1, 8, 16 or 32; pixel- or plane-interleaved colour; native YBR_FULL_422 (Y1 Y2 Cb Cr per
/// pair of pixels), expanded to full YBR_FULL by repeating each pair's chroma.
/// </summary>
internal sealed class NativeCodec : IDicomCodec
{
    /// <inheritdoc/>
    public IReadOnlyList<string> TransferSyntaxes { get; } =
    [
        DicomTransferSyntax.ImplicitVrLittleEndian.Uid, DicomTransferSyntax.ExplicitVrLittleEndian.Uid,
        DicomTransferSyntax.DeflatedExplicitVrLittleEndian.Uid, DicomTransferSyntax.ExplicitVrBigEndian.Uid,
    ];

    /// <inheritdoc/>
    public string Name => "native (uncompressed)";

    /// <inheritdoc/>
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format) => DecodeNative(frame, format);

    /// <summary>Decodes one native frame (little-endian, starting at bit 0 of its first byte).</summary>
    public static DicomFrame DecodeNative(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        int samples = format.SamplesPerPixel;
        long pixels = format.PixelCount;
        bool ybr422 = format.Photometric == "YBR_FULL_422" && samples == 3;
        long needed = (DicomFile.NativeFrameBits(format) + 7) / 8;
        if (frame.Length < needed)
            throw new DicomCodecException($"native frame holds {frame.Length:N0} bytes, fewer than the {needed:N0} the header needs");
        long count = pixels * samples;
        if (count > Array.MaxLength) throw new DicomCodecException($"frame of {count:N0} samples is too large");
        var output = new int[count];
        if (ybr422)
        {
            if (format.BitsAllocated != 8) throw new DicomCodecException($"native YBR_FULL_422 with Bits Allocated {format.BitsAllocated} is not supported (8 only)");
            if (format.Columns % 2 != 0) throw new DicomCodecException("native YBR_FULL_422 needs an even number of columns");
            for (long p = 0, i = 0; p < pixels; p += 2, i += 4)
            {
                int y1 = frame[(int)i], y2 = frame[(int)i + 1], cb = frame[(int)i + 2], cr = frame[(int)i + 3];
                long o = p * 3;
                output[o] = y1; output[o + 1] = cb; output[o + 2] = cr;
                output[o + 3] = y2; output[o + 4] = cb; output[o + 5] = cr;
            }
            return new DicomFrame(output, "YBR_FULL");
        }
        bool planar = samples > 1 && format.PlanarConfiguration == 1;
        for (long i = 0; i < count; i++)
        {
            // source sample i (file order) -> interleaved index
            long o = planar ? (i % pixels) * samples + i / pixels : i;
            output[o] = format.BitsAllocated switch
            {
                1 => (frame[(int)(i >> 3)] >> (int)(i & 7)) & 1,
                8 => frame[(int)i],
                16 => BinaryPrimitives.ReadUInt16LittleEndian(frame[(int)(2 * i)..]),
                32 => BinaryPrimitives.ReadInt32LittleEndian(frame[(int)(4 * i)..]),
                _ => throw new DicomCodecException($"Bits Allocated {format.BitsAllocated} is not supported"),
            };
        }
        return new DicomFrame(output, format.Photometric);
    }
}
