namespace ConVirt.Data;

/// <summary>
/// RFC 4180 records on raw bytes: comma-separated, fields optionally in double quotes, <c>""</c> for a quote
/// inside quotes, quoted fields may hold commas and line breaks; CRLF or LF line ends. Shared by the manifest
/// CSV reader and the report table of <c>convirt manifest</c>.
/// </summary>
internal static class CsvRecords
{
    /// <summary>True for an empty line (one field of only spaces and tabs).</summary>
    public static bool IsBlank(List<byte[]> record) => record.Count == 1 && record[0].AsSpan().Trim(" \t"u8).IsEmpty;

    /// <summary>
    /// Reads one record starting at <paramref name="position"/> and moves past its line end; counts line breaks
    /// (also those inside quotes) in <paramref name="line"/>. On a malformed record, sets <paramref name="error"/>
    /// and resumes after the next line break.
    /// </summary>
    public static List<byte[]> Read(byte[] bytes, ref int position, ref int line, out string? error)
    {
        error = null;
        var fields = new List<byte[]>();
        var field = new List<byte>();
        int n = bytes.Length;
        while (true)
        {
            field.Clear();
            if (position < n && bytes[position] == (byte)'"')
            {
                int quoteLine = line;
                position++;
                while (true)
                {
                    if (position >= n)
                    {
                        error = $"quoted field opened on line {quoteLine} is never closed";
                        return fields;
                    }
                    byte b = bytes[position];
                    if (b == (byte)'"')
                    {
                        if (position + 1 < n && bytes[position + 1] == (byte)'"')
                        {
                            field.Add((byte)'"');
                            position += 2;
                            continue;
                        }
                        position++;
                        break;
                    }
                    if (b == (byte)'\n')
                        line++;
                    field.Add(b);
                    position++;
                }
                bool atEnd = position >= n || bytes[position] is (byte)',' or (byte)'\n'
                    || (bytes[position] == (byte)'\r' && (position + 1 >= n || bytes[position + 1] == (byte)'\n'));
                if (!atEnd)
                {
                    error = "unexpected character after a closing quote";
                    int next = Array.IndexOf(bytes, (byte)'\n', position);
                    position = next < 0 ? n : next + 1;
                    if (next >= 0)
                        line++;
                    return fields;
                }
            }
            else
            {
                while (position < n && bytes[position] is not ((byte)',' or (byte)'\n'))
                    field.Add(bytes[position++]);
                if (field.Count > 0 && field[^1] == (byte)'\r' && (position >= n || bytes[position] == (byte)'\n'))
                    field.RemoveAt(field.Count - 1);
            }
            fields.Add(field.ToArray());

            if (position < n && bytes[position] == (byte)',')
            {
                position++;
                continue;
            }
            if (position < n && bytes[position] == (byte)'\r')
                position++;
            if (position < n && bytes[position] == (byte)'\n')
            {
                position++;
                line++;
            }
            return fields;
        }
    }
}
