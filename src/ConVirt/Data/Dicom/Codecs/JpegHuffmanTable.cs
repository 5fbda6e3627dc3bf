namespace ConVirt.Data.Dicom;

/// <summary>
/// A JPEG Huffman table (ITU-T T.81 annex C) as a 16-bit look-up: the next 16 bits of the stream index an
/// entry holding the code length (1..16, in the high byte; 0 for a bit pattern no code starts) and the symbol.
/// </summary>
internal sealed class JpegHuffmanTable
{
    readonly ushort[] lookup = new ushort[1 << 16];

    /// <summary>Entry for the next 16 bits: length in bits 8..15, symbol in bits 0..7.</summary>
    public ushort this[int next16] => lookup[next16];

    /// <summary>Builds the table from a DHT segment's 16 code counts and symbols; throws on an over-full code.</summary>
    public JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        int code = 0, k = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int i = 0; i < counts[length - 1]; i++)
            {
                if (code >= 1 << length)
                    throw new DicomCodecException("JPEG: a Huffman table defines more codes than its lengths allow");
                int first = code << (16 - length), span = 1 << (16 - length);
                ushort entry = (ushort)(length << 8 | symbols[k++]);
                lookup.AsSpan(first, span).Fill(entry);
                code++;
            }
            code <<= 1;
        }
    }
}
