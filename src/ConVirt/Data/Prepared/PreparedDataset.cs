using ConVirt.Data;
using System.Text.Json;

namespace ConVirt.Data.Prepared;

/// <summary>
/// A prepared dataset opened for reading: its <c>dataset.json</c> and the shards next to it. Opening reads only
/// dataset.json; shards are read when rows are needed (streamed for training, indexed for evaluation).
/// </summary>
internal sealed class PreparedDataset
{
    private PreparedDataset(string folder, PreparedDatasetInfo info)
    {
        Folder = folder;
        Info = info;
    }

    /// <summary>The folder holding dataset.json and the shards.</summary>
    public string Folder { get; }

    /// <summary>The dataset.json content.</summary>
    public PreparedDatasetInfo Info { get; }

    /// <summary>Whether <paramref name="path"/> is a folder holding dataset.json, or a dataset.json.</summary>
    public static bool IsPrepared(string path) =>
        Directory.Exists(path) ? File.Exists(Path.Combine(path, PreparedDatasetInfo.FileName))
            : Path.GetFileName(path) == PreparedDatasetInfo.FileName && File.Exists(path);

    /// <summary>Opens a finished prepared dataset (folder or dataset.json).</summary>
    /// <exception cref="PreparedDatasetException">dataset.json is unreadable, or prepare did not finish.</exception>
    public static PreparedDataset Open(string path)
    {
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        string infoPath = Path.Combine(folder, PreparedDatasetInfo.FileName);
        if (!File.Exists(infoPath)) throw new PreparedDatasetException(infoPath, $"{folder}: no {PreparedDatasetInfo.FileName} (not a prepared dataset)");
        var info = PreparedDatasetInfo.Read(infoPath);
        if (!info.Complete)
            throw new PreparedDatasetException(infoPath, $"{folder}: prepare has not finished ({info.Shards.Count} shards so far); run the same convirt prepare command again to complete it");
        return new PreparedDataset(Path.GetFullPath(folder), info);
    }

    /// <summary>Full path of a shard.</summary>
    public string ShardPath(ShardInfo shard) => Path.Combine(Folder, shard.Name);

    /// <summary>Whether any shard carries a split.</summary>
    public bool HasSplits => Info.Shards.Any(s => s.Split is not null);

    /// <summary>
    /// The shards of <paramref name="split"/> (all when null or when no row carries a split), only those with text
    /// when <paramref name="requireText"/>.
    /// </summary>
    public IReadOnlyList<ShardInfo> Select(string? split, bool requireText) =>
        Info.Shards.Where(s => (split is null || !HasSplits || s.Split == split) && (!requireText || s.Text)).ToList();

    /// <summary>Checks that each shard exists with its recorded size (no reading); throws naming the first that does not.</summary>
    /// <exception cref="PreparedDatasetException">A shard is missing or has another size than dataset.json records.</exception>
    public void CheckFiles(IEnumerable<ShardInfo> shards)
    {
        foreach (var shard in shards)
        {
            var file = new FileInfo(ShardPath(shard));
            if (!file.Exists)
                throw new PreparedDatasetException(file.FullName, $"{file.FullName}: shard missing (listed in {PreparedDatasetInfo.FileName} with {shard.Rows} rows); run convirt prepare again with the same arguments to rewrite it");
            if (file.Length != shard.Bytes)
                throw new PreparedDatasetException(file.FullName, $"{file.FullName}: shard is {file.Length:N0} bytes, {PreparedDatasetInfo.FileName} records {shard.Bytes:N0}; it is damaged or from another run (convirt prepare --verify)");
        }
    }

    /// <summary>
    /// The rows of the selected shards, in shard order, as manifest rows whose image is located in the shard
    /// (<see cref="ManifestRow.Shard"/>): reads every entry header and the small .txt/.json entries, seeks past images.
    /// A row without a .png or .json entry is skipped and reported as an issue naming shard and key.
    /// </summary>
    public ManifestLoadResult LoadRows(string? split = null, bool requireText = false)
    {
        var shards = Select(split, requireText);
        CheckFiles(shards);
        var rows = new List<ManifestRow>();
        var issues = new List<ManifestIssue>();
        foreach (var shard in shards)
        {
            string path = ShardPath(shard);
            using var reader = new ShardReader(path, readImages: false);
            int line = 0;
            while (reader.Next() is { } sample)
            {
                line++;
                if (!sample.HasPng) { issues.Add(Issue(shard, line, "png", $"key {sample.Key}: no .png entry", "no image entry")); continue; }
                var row = ParseRow(sample, path, line, out var why);
                if (row is null) { issues.Add(Issue(shard, line, "json", $"key {sample.Key}: {why}", "bad row metadata")); continue; }
                rows.Add(row with { Shard = new ShardLocation(sample.Key, sample.PngOffset, sample.PngLength) });
            }
        }
        return new ManifestLoadResult(Path.Combine(Folder, PreparedDatasetInfo.FileName), rows, issues);
    }

    /// <summary>A manifest row from a sample's .json and .txt (image path = the shard), or null with the reason.</summary>
    internal static ManifestRow? ParseRow(ShardSample sample, string shardPath, int line, out string? why)
    {
        why = null;
        if (sample.Json is null) { why = "no .json entry"; return null; }
        try
        {
            using var doc = JsonDocument.Parse(sample.Json);
            var root = doc.RootElement;
            string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (root.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
                foreach (var p in l.EnumerateObject()) labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            string id = Str("id") ?? sample.Key;
            return new ManifestRow(id, shardPath, string.IsNullOrWhiteSpace(sample.Text) ? null : sample.Text, Str("split"), Str("patient_id"), labels, line);
        }
        catch (JsonException e)
        {
            why = $"corrupt .json entry ({e.Message})";
            return null;
        }
    }

    private static ManifestIssue Issue(ShardInfo shard, int line, string field, string message, string reason) =>
        new(shard.Name, line, field, message, IssueKind.Skipped, reason);

    /// <summary>
    /// Re-checks every shard of the dataset at <paramref name="path"/>: present, size and SHA-256 as recorded, a
    /// readable tar whose rows each have a .png that decodes and a .json, and the recorded row count.
    /// </summary>
    /// <returns>Every problem found (empty when the dataset is intact), each naming the shard and, where it applies, the key.</returns>
    public static IReadOnlyList<string> Verify(string path, IProgress<string>? progress = null)
    {
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var info = PreparedDatasetInfo.Read(Path.Combine(folder, PreparedDatasetInfo.FileName));
        var problems = new List<string>();
        if (!info.Complete) problems.Add($"{folder}: prepare has not finished ({info.Shards.Count} shards so far)");
        foreach (var shard in info.Shards)
        {
            string file = Path.Combine(folder, shard.Name);
            int before = problems.Count;
            if (!File.Exists(file)) { problems.Add($"{shard.Name}: missing"); continue; }
            long length = new FileInfo(file).Length;
            if (length != shard.Bytes) problems.Add($"{shard.Name}: {length:N0} bytes, dataset.json records {shard.Bytes:N0}");
            int rows = 0;
            string? sha = null;
            try
            {
                using var reader = new ShardReader(file, readImages: true);
                while (reader.Next() is { } sample)
                {
                    rows++;
                    if (sample.Png is null) problems.Add($"{shard.Name}: key {sample.Key}: no .png entry");
                    else if (!ShardImageCodec.TryDecode(sample.Png, out _, out var why)) problems.Add($"{shard.Name}: key {sample.Key}: {why}");
                    if (ParseRow(sample, file, rows, out var jsonWhy) is null) problems.Add($"{shard.Name}: key {sample.Key}: {jsonWhy}");
                }
                sha = reader.FileSha256();
            }
            catch (PreparedDatasetException e)
            {
                problems.Add($"{shard.Name}: {e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]}");
            }
            if (sha is not null && sha != shard.Sha256) problems.Add($"{shard.Name}: SHA-256 does not match dataset.json");
            if (sha is not null && rows != shard.Rows) problems.Add($"{shard.Name}: {rows} rows, dataset.json records {shard.Rows}");
            progress?.Report($"{shard.Name}: {rows} rows, {(problems.Count == before ? "ok" : $"{problems.Count - before} problem(s)")}");
        }
        return problems;
    }
}
