namespace ConVirt.Labeling;

/// <summary>
/// Reads a stream as lines of raw bytes (LF or CRLF), one reused buffer, so a JSON Lines file streams in constant
/// memory per line; a line over <see cref="MaxLineBytes"/> is reported as too long and skipped without being held.
/// </summary>
internal sealed class ByteLineReader(Stream stream)
{
    /// <summary>The longest line held (a 10 MB report fits several times over).</summary>
    public const int MaxLineBytes = 64 << 20;

    private readonly byte[] chunk = new byte[1 << 16];
    private int chunkStart, chunkEnd;
    private byte[] line = new byte[1 << 12];

    /// <summary>Bytes consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>The next line (without its line end) in a buffer valid until the next call; false at the end. <paramref name="tooLong"/>: the line was over the cap and its bytes are not returned.</summary>
    public bool Next(out ReadOnlySpan<byte> result, out bool tooLong)
    {
        int length = 0;
        tooLong = false;
        bool any = false;
        while (true)
        {
            if (chunkStart == chunkEnd)
            {
                chunkStart = 0;
                chunkEnd = stream.Read(chunk, 0, chunk.Length);
                if (chunkEnd == 0)
                {
                    result = tooLong ? default : line.AsSpan(0, length);
                    return any;
                }
            }
            any = true;
            int newline = Array.IndexOf(chunk, (byte)'\n', chunkStart, chunkEnd - chunkStart);
            int stop = newline < 0 ? chunkEnd : newline;
            Append(chunk.AsSpan(chunkStart, stop - chunkStart), ref length, ref tooLong);
            Position += (newline < 0 ? chunkEnd : newline + 1) - chunkStart;
            chunkStart = newline < 0 ? chunkEnd : newline + 1;
            if (newline >= 0)
            {
                if (!tooLong && length > 0 && line[length - 1] == (byte)'\r') length--;
                result = tooLong ? default : line.AsSpan(0, length);
                return true;
            }
        }
    }

    private void Append(ReadOnlySpan<byte> bytes, ref int length, ref bool tooLong)
    {
        if (tooLong) return;
        if ((long)length + bytes.Length > MaxLineBytes)
        {
            tooLong = true;
            return;
        }
        if (length + bytes.Length > line.Length)
            Array.Resize(ref line, Math.Min(MaxLineBytes, Math.Max(line.Length * 2, length + bytes.Length)));
        bytes.CopyTo(line.AsSpan(length));
        length += bytes.Length;
    }
}
