using System.Buffers.Binary;

namespace ConVirt.Data.Dicom;

/// <summary>
/// RLE Lossless (1.2.840.10008.1.2.5, PS3.5 annex G): a 64-byte header (segment count, up to 15 offsets),
/// then one PackBits segment per byte plane: for each sample, its bytes from most to least significant.
/// </summary>
internal sealed class RleCodec : IDicomCodec
{
    /// <inheritdoc/>
    public IReadOnlyList<string> TransferSyntaxes { get; } = [DicomTransferSyntax.RleLossless.Uid];

    /// <inheritdoc/>
    public string Name => "RLE Lossless (own)";

    /// <inheritdoc/>
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        if (format.BitsAllocated is not (8 or 16 or 32)) throw new DicomCodecException($"RLE with Bits Allocated {format.BitsAllocated} is not supported");
        if (frame.Length < 64) throw new DicomCodecException($"RLE frame of {frame.Length} bytes is shorter than its 64-byte header");
        int bytesPerSample = format.BitsAllocated / 8;
        int samples = format.SamplesPerPixel;
        int expected = bytesPerSample * samples;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (count != expected) throw new DicomCodecException($"RLE header says {count} segments; {samples} sample(s) of {format.BitsAllocated} bits need {expected}");
        int pixels = checked((int)format.PixelCount);
        var offsets = new int[count + 1];
        for (int s = 0; s < count; s++)
        {
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + 4 * s)..]);
            if (offset < 64 || offset > frame.Length || (s > 0 && offset < offsets[s - 1]))
                throw new DicomCodecException($"RLE segment {s} offset {offset} lies outside the frame ({frame.Length} bytes) or before the previous segment");
            offsets[s] = (int)offset;
        }
        offsets[count] = frame.Length;
        var output = new int[(long)pixels * samples];
        var plane = new byte[pixels];
        for (int s = 0; s < count; s++)
        {
            Unpack(frame[offsets[s]..offsets[s + 1]], plane, s);
            int sample = s / bytesPerSample;
            int shift = 8 * (bytesPerSample - 1 - s % bytesPerSample); // first segment = most significant byte
            for (int p = 0; p < pixels; p++) output[p * samples + sample] |= plane[p] << shift;
        }
        return new DicomFrame(output, format.Photometric);
    }

    /// <summary>PackBits: n in 0..127 copies n + 1 bytes, -127..-1 repeats the next byte 1 - n times, -128 is skipped.</summary>
    internal static void Unpack(ReadOnlySpan<byte> segment, Span<byte> output, int index)
    {
        int i = 0, o = 0;
        while (o < output.Length && i < segment.Length)
        {
            int n = (sbyte)segment[i++];
            if (n >= 0)
            {
                int run = n + 1;
                if (i + run > segment.Length || o + run > output.Length)
                    throw new DicomCodecException($"RLE segment {index}: a literal run goes past the end of the segment or of the frame");
                segment.Slice(i, run).CopyTo(output[o..]);
                i += run; o += run;
            }
            else if (n != -128)
            {
                int run = 1 - n;
                if (i >= segment.Length || o + run > output.Length)
                    throw new DicomCodecException($"RLE segment {index}: a repeat run goes past the end of the segment or of the frame");
                output.Slice(o, run).Fill(segment[i++]);
                o += run;
            }
        }
        if (o < output.Length) throw new DicomCodecException($"RLE segment {index} decodes to {o:N0} bytes, fewer than the {output.Length:N0} pixels of the frame");
    }
}
