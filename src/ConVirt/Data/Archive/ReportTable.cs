using System.Text;

namespace ConVirt.Data.Archive;

/// <summary>
/// A CSV table of reports (one row per study) keyed by a column such as the accession number or the Study
/// Instance UID. Keys and texts are patient data: messages name the file, line and column, never a value.
/// </summary>
internal sealed class ReportTable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, string> reports;

    private ReportTable(Dictionary<string, string> reports, IReadOnlyList<string> issues)
    {
        this.reports = reports;
        Issues = issues;
    }

    /// <summary>Rows that were not taken, as <c>file:line: why</c> (never a value).</summary>
    public IReadOnlyList<string> Issues { get; }

    /// <summary>Number of distinct keys with a report.</summary>
    public int Count => reports.Count;

    /// <summary>The report of a key, or null.</summary>
    public string? Find(string key) => reports.GetValueOrDefault(key.Trim());

    /// <summary>Reads the table.</summary>
    /// <param name="path">The CSV file (UTF-8, RFC 4180, header row).</param>
    /// <param name="keyColumn">The header name of the key column (case-insensitive).</param>
    /// <param name="textColumn">The header name of the report column (case-insensitive).</param>
    /// <param name="maxBytes">Files larger than this are refused before reading.</param>
    /// <exception cref="ManifestException">The file is missing, too large, has no header or lacks a named column.</exception>
    public static ReportTable Load(string path, string keyColumn, string textColumn, long maxBytes = 4L << 30)
    {
        var file = new FileInfo(path);
        if (!file.Exists) throw new ManifestException(path, $"{path}: report table not found");
        if (file.Length > maxBytes) throw new ManifestException(path, $"{path}: report table is {file.Length:N0} bytes, more than the limit of {maxBytes:N0}");
        byte[] bytes = File.ReadAllBytes(path);
        int position = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0, line = 1;
        List<byte[]> header;
        do
        {
            if (position >= bytes.Length) throw new ManifestException(path, $"{path}: empty report table (no header row)");
            header = CsvRecords.Read(bytes, ref position, ref line, out string? error);
            if (error is not null) throw new ManifestException(path, $"{path}:1: malformed CSV header ({error})");
        }
        while (CsvRecords.IsBlank(header));
        var names = header.Select(h => Encoding.UTF8.GetString(h).Trim()).ToList();
        int keyAt = Column(path, names, keyColumn), textAt = Column(path, names, textColumn);

        var reports = new Dictionary<string, string>(StringComparer.Ordinal);
        var issues = new List<string>();
        while (position < bytes.Length)
        {
            int recordLine = line;
            var record = CsvRecords.Read(bytes, ref position, ref line, out string? error);
            if (error is not null) { issues.Add($"{path}:{recordLine}: malformed CSV record ({error})"); continue; }
            if (CsvRecords.IsBlank(record)) continue;
            if (record.Count != names.Count) { issues.Add($"{path}:{recordLine}: expected {names.Count} fields, found {record.Count}"); continue; }
            string key, text;
            try
            {
                key = StrictUtf8.GetString(record[keyAt]).Trim();
                text = StrictUtf8.GetString(record[textAt]).Trim();
            }
            catch (DecoderFallbackException) { issues.Add($"{path}:{recordLine}: not valid UTF-8"); continue; }
            if (key.Length == 0) { issues.Add($"{path}:{recordLine}: {names[keyAt]}: empty key"); continue; }
            if (text.Length == 0) { issues.Add($"{path}:{recordLine}: {names[textAt]}: empty report"); continue; }
            if (!reports.TryAdd(key, text)) issues.Add($"{path}:{recordLine}: {names[keyAt]}: key already given on an earlier line (first kept)");
        }
        return new ReportTable(reports, issues);
    }

    private static int Column(string path, List<string> names, string wanted)
    {
        int at = names.FindIndex(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase));
        if (at < 0)
            throw new ManifestException(path, $"{path}:1: no column '{wanted}' in the header (columns: {string.Join(", ", names)})");
        return at;
    }
}
