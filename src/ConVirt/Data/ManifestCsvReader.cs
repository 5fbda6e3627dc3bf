using System.Text;

namespace ConVirt.Data;

/// <summary>
/// Parses CSV manifests (RFC 4180: comma-separated, fields optionally in double quotes, <c>""</c> for a quote
/// inside quotes, quoted fields may hold commas and line breaks; CRLF or LF line ends). The header names the
/// columns: <c>id</c>, <c>image</c>, <c>text</c>, <c>split</c>, <c>patient_id</c> (case-insensitive), and labels
/// as <c>labels.KEY</c> or <c>label_KEY</c>. Empty cells are null.
/// </summary>
/// <remarks>
/// Records are split on the raw bytes (every structural character is ASCII, which never occurs inside a UTF-8
/// multi-byte sequence), then each field is decoded strictly, so invalid UTF-8 is reported with its column.
/// </remarks>
internal static class ManifestCsvReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private enum Column { Ignored, Id, Image, Text, Split, PatientId, Label }

    public static void Read(string path, byte[] bytes, ManifestCollector collector)
    {
        int position = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        int line = 1;

        // Header: the first record that is not a blank line.
        List<byte[]> header;
        int headerLine;
        while (true)
        {
            headerLine = line;
            if (position >= bytes.Length)
                throw new ManifestException(path, $"{path}: empty CSV manifest (no header row)");
            var record = CsvRecords.Read(bytes, ref position, ref line, out string? error);
            if (error is not null)
                throw new ManifestException(path, $"{path}:{headerLine}: malformed CSV header ({error})");
            if (!CsvRecords.IsBlank(record))
            {
                header = record;
                break;
            }
        }

        var (columns, labelKeys) = MapHeader(path, header, headerLine, collector);

        while (position < bytes.Length)
        {
            int recordLine = line;
            var record = CsvRecords.Read(bytes, ref position, ref line, out string? error);
            if (error is not null)
            {
                collector.Skip(recordLine, null, $"malformed CSV record ({error})", "malformed CSV");
                continue;
            }
            if (CsvRecords.IsBlank(record))
                continue;
            if (record.Count != columns.Length)
            {
                collector.Skip(recordLine, null, $"expected {columns.Length} fields, found {record.Count}", "wrong field count");
                continue;
            }

            string? id = null, image = null, text = null, split = null, patientId = null;
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
            bool decoded = true;
            for (int c = 0; c < columns.Length && decoded; c++)
            {
                if (columns[c] == Column.Ignored)
                    continue;
                string? value;
                try
                {
                    value = record[c].Length == 0 ? null : StrictUtf8.GetString(record[c]);
                }
                catch (DecoderFallbackException)
                {
                    collector.Skip(recordLine, HeaderName(header, c), "not valid UTF-8", "invalid UTF-8");
                    decoded = false;
                    break;
                }
                switch (columns[c])
                {
                    case Column.Id: id = value; break;
                    case Column.Image: image = value; break;
                    case Column.Text: text = value; break;
                    case Column.Split: split = value; break;
                    case Column.PatientId: patientId = value; break;
                    case Column.Label: labels[labelKeys[c]!] = value; break;
                }
            }
            if (decoded)
                collector.Add(new ManifestRawRow(recordLine, id, image, text, split, patientId, labels));
        }
    }

    private static (Column[] Columns, string?[] LabelKeys) MapHeader(string path, List<byte[]> header, int line, ManifestCollector collector)
    {
        var columns = new Column[header.Count];
        var labelKeys = new string?[header.Count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int c = 0; c < header.Count; c++)
        {
            string name = HeaderName(header, c);
            if (!seen.Add(name))
            {
                collector.Warn(line, name, "duplicate column (later one ignored)", "duplicate column");
                continue;
            }
            string lower = name.ToLowerInvariant();
            columns[c] = lower switch
            {
                "id" => Column.Id,
                "image" => Column.Image,
                "text" => Column.Text,
                "split" => Column.Split,
                "patient_id" => Column.PatientId,
                _ => Column.Ignored,
            };
            if (columns[c] != Column.Ignored)
                continue;
            string? labelKey = lower.StartsWith("labels.", StringComparison.Ordinal) ? name["labels.".Length..]
                : lower.StartsWith("label_", StringComparison.Ordinal) ? name["label_".Length..]
                : null;
            if (!string.IsNullOrEmpty(labelKey))
            {
                columns[c] = Column.Label;
                labelKeys[c] = labelKey;
            }
            else if (!Manifest.MetadataFields.Contains(lower))
            {
                collector.WarnOnce(line, name, name.Length == 0 ? "unnamed column (ignored)" : "unknown column (ignored)", "unknown field");
            }
        }
        foreach (var required in new[] { (Column.Id, "id"), (Column.Image, "image") })
        {
            if (Array.IndexOf(columns, required.Item1) < 0)
                throw new ManifestException(path, $"{path}:{line}: the CSV header has no '{required.Item2}' column");
        }
        return (columns, labelKeys);
    }

    private static string HeaderName(List<byte[]> header, int column)
    {
        try
        {
            return StrictUtf8.GetString(header[column]).Trim();
        }
        catch (DecoderFallbackException)
        {
            return $"(column {column + 1})";
        }
    }
}
