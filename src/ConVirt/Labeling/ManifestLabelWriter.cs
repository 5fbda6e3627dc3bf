using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConVirt.Data;
using ConVirt.Runtime;

namespace ConVirt.Labeling;

/// <summary>
/// Labels every row of a manifest and writes the same rows with the labels added: JSON Lines streamed row by
/// row (memory flat in the number of rows) under <c>labels</c>; CSV (read whole, as the manifest reader does) as
/// <c>labels.KEY</c> columns. The output is written atomically. Messages name the file, line and field, never a
/// report's text.
/// </summary>
internal sealed class ManifestLabelWriter(IReadOnlyList<string> keys, string textColumn, ManifestLabelWriter.LabelReport label)
{
    /// <summary>Labels one report into one value per key (<see cref="RuleLabeler.Absent"/> when absent); false when nothing was read.</summary>
    public delegate bool LabelReport(ReadOnlySpan<char> report, Span<sbyte> values);

    private const int MaxIssues = 100;
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    private long rows, labelled, empty, missing, skipped;
    private readonly List<string> issues = [];
    private readonly long[,] counts = new long[keys.Count, 4];

    public LabelingResult Run(string input, string output, IProgress<LabelingProgress>? progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(input)) throw new FileNotFoundException($"{input}: no such manifest file.", input);
        if (Path.GetFullPath(input) == Path.GetFullPath(output)) throw new ArgumentException($"{output}: the output must not be the input manifest.", nameof(output));
        bool csv = input.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(output, stream =>
        {
            if (csv) WriteCsv(input, stream, progress, cancellationToken);
            else WriteJsonLines(input, stream, progress, cancellationToken);
        });
        var tallies = new LabelCount[keys.Count];
        for (int k = 0; k < keys.Count; k++)
            tallies[k] = new LabelCount(keys[k], counts[k, 0], counts[k, 1], counts[k, 2], counts[k, 3]);
        return new LabelingResult(rows, labelled, empty, missing, skipped, tallies, issues);
    }

    private void Skip(string message)
    {
        skipped++;
        if (issues.Count < MaxIssues) issues.Add(message);
    }

    /// <summary>Labels one report into <paramref name="values"/> (per key) and tallies it.</summary>
    private void LabelOne(string text, sbyte[] values)
    {
        if (label(text, values)) labelled++; else empty++;
        for (int k = 0; k < values.Length; k++)
            counts[k, values[k] switch { 1 => 0, 0 => 1, -1 => 2, _ => 3 }]++;
    }

    private void WriteJsonLines(string input, Stream output, IProgress<LabelingProgress>? progress, CancellationToken cancellationToken)
    {
        using var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long total = source.Length;
        var reader = new ByteLineReader(source);
        var values = new sbyte[keys.Count];
        var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false });
        int line = 0;
        while (reader.Next(out var bytes, out bool tooLong))
        {
            line++;
            if ((line & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new LabelingProgress(rows, reader.Position, total));
            }
            if (tooLong)
            {
                Skip($"{input}: line {line}: longer than {ByteLineReader.MaxLineBytes >> 20} MiB; skipped");
                continue;
            }
            if (bytes.Trim(" \t"u8).IsEmpty) continue;
            if (!System.Text.Unicode.Utf8.IsValid(bytes))
            {
                Skip($"{input}: line {line}: not valid JSON (not UTF-8 text); skipped");
                continue;
            }
            JsonObject? row;
            try
            {
                row = JsonNode.Parse(bytes) as JsonObject;
            }
            catch (JsonException e)
            {
                Skip($"{input}: line {line}: not valid JSON (byte {e.BytePositionInLine ?? 0}); skipped");
                continue;
            }
            if (row is null)
            {
                Skip($"{input}: line {line}: not a JSON object; skipped");
                continue;
            }
            if (row[textColumn] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                LabelOne(v.GetValue<string>(), values);
                var labels = row["labels"] as JsonObject;
                if (labels is null)
                {
                    labels = [];
                    row["labels"] = labels;
                }
                for (int k = 0; k < keys.Count; k++)
                {
                    labels.Remove(keys[k]);
                    if (values[k] != RuleLabeler.Absent) labels[keys[k]] = (int)values[k];
                }
            }
            else missing++;
            row.WriteTo(writer, Compact);
            writer.Flush();
            writer.Reset();
            output.WriteByte((byte)'\n');
            rows++;
        }
        progress?.Report(new LabelingProgress(rows, reader.Position, total));
    }

    private void WriteCsv(string input, Stream output, IProgress<LabelingProgress>? progress, CancellationToken cancellationToken)
    {
        byte[] bytes = File.ReadAllBytes(input);
        int position = 0, line = 1;
        if (bytes.AsSpan().StartsWith("\uFEFF"u8)) position = 3;
        List<byte[]>? header = null;
        while (header is null)
        {
            if (position >= bytes.Length) throw new ManifestException(input, $"{input}: empty CSV manifest (no header row)");
            int headerLine = line;
            var record = CsvRecords.Read(bytes, ref position, ref line, out string? error);
            if (error is not null) throw new ManifestException(input, $"{input}: line {headerLine}: malformed CSV header ({error})");
            if (!CsvRecords.IsBlank(record)) header = record;
        }
        var names = header.Select(h => Encoding.UTF8.GetString(h).Trim()).ToArray();
        int textIndex = Array.FindIndex(names, n => string.Equals(n, textColumn, StringComparison.OrdinalIgnoreCase));
        if (textIndex < 0)
            throw new ManifestException(input, $"{input}: line 1: field '{textColumn}': no such column in the CSV header");
        // our keys' existing columns are replaced, every other column kept in order
        var ours = new HashSet<string>(keys.SelectMany(k => new[] { "labels." + k, "label_" + k }), StringComparer.OrdinalIgnoreCase);
        var kept = Enumerable.Range(0, names.Length).Where(c => !ours.Contains(names[c])).ToArray();
        var text = new StringBuilder();
        var outFields = kept.Select(c => names[c]).Concat(keys.Select(k => "labels." + k)).ToList();
        WriteCsvRecord(output, outFields, text);
        var values = new sbyte[keys.Count];
        while (position < bytes.Length)
        {
            int recordLine = line;
            var record = CsvRecords.Read(bytes, ref position, ref line, out string? error);
            if ((rows & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new LabelingProgress(rows, position, bytes.Length));
            }
            if (error is not null)
            {
                Skip($"{input}: line {recordLine}: malformed CSV record ({error}); skipped");
                continue;
            }
            if (CsvRecords.IsBlank(record)) continue;
            if (record.Count != names.Length)
            {
                Skip($"{input}: line {recordLine}: expected {names.Length} fields, found {record.Count}; skipped");
                continue;
            }
            string report;
            try
            {
                report = new UTF8Encoding(false, true).GetString(record[textIndex]);
            }
            catch (DecoderFallbackException)
            {
                Skip($"{input}: line {recordLine}: field '{names[textIndex]}': not UTF-8 text; skipped");
                continue;
            }
            LabelOne(report, values);
            outFields.Clear();
            foreach (int c in kept) outFields.Add(Encoding.UTF8.GetString(record[c]));
            foreach (var v in values) outFields.Add(v == RuleLabeler.Absent ? "" : v.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WriteCsvRecord(output, outFields, text);
            rows++;
        }
        progress?.Report(new LabelingProgress(rows, bytes.Length, bytes.Length));
    }

    private static void WriteCsvRecord(Stream output, List<string> fields, StringBuilder text)
    {
        text.Clear();
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0) text.Append(',');
            string f = fields[i];
            if (f.AsSpan().IndexOfAny(",\"\r\n") >= 0) text.Append('"').Append(f.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else text.Append(f);
        }
        text.Append('\n');
        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
