using ConVirt.Data;
using ConVirt.Data.Images;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConVirt.Data.Text;

namespace ConVirt.Data.Prepared;

/// <summary>
/// `convirt prepare` as a library call: reads manifests, decodes every image once (through <see cref="ImageDecoder"/>,
/// so every format it reads), area-averages it down to the short side, checks the text as pretraining does, and
/// writes WebDataset-style tar shards plus <c>dataset.json</c>. Rows are grouped by (split, has text), each group in
/// manifest order; keys are the row's position in the dataset (<c>000000000</c>, ...). Resumable: shards already
/// finished by an earlier run with the same options and inputs (same size and SHA-256 as recorded) are kept.
/// </summary>
internal static class PrepareJob
{
    /// <summary>Shard file name of shard <paramref name="index"/>.</summary>
    public static string ShardName(int index) => string.Create(CultureInfo.InvariantCulture, $"shard-{index:D6}.tar");

    /// <summary>Prepares (or finishes preparing) the dataset.</summary>
    /// <exception cref="PreparedDatasetException">The output folder holds a different dataset, or is not empty and holds none.</exception>
    /// <exception cref="ManifestException">A manifest cannot be used, or ids repeat across manifests.</exception>
    /// <exception cref="Runtime.FolderLockedException">Another writer (a second <c>prepare</c>) holds the output folder.</exception>
    public static PrepareResult Run(PrepareOptions options, IProgress<PrepareProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        var watch = Stopwatch.StartNew();
        // one writer per output folder, taken before any input is read: a second prepare is refused at once
        using var folderLock = Runtime.FolderLock.Acquire(options.Out, "prepare");
        var (rows, inputs, skipped, warnings) = LoadInputs(options, progress);
        var defining = new PreparedOptions(options.ShortSide, options.ShardSize, options.Bits, DicomWindowChoice.Parse(options.DicomWindow).ToString());
        string identity = Identity(defining, inputs);
        Directory.CreateDirectory(options.Out);
        string infoPath = Path.Combine(options.Out, PreparedDatasetInfo.FileName);
        var kept = KeptShards(options.Out, infoPath, identity, progress);

        var tokenizer = WordPieceTokenizer.FromPackaged(options.Vocab);
        var groups = Groups(rows, tokenizer, warnings);
        var shards = new List<ShardInfo>(kept);
        int keyCounter = kept.Sum(s => s.Rows);
        int total = groups.Sum(g => g.Rows.Count) - ConsumedRows(groups, kept);
        int done = 0, written = 0;
        PreparedDatasetInfo Snapshot(bool complete) => new(PreparedDatasetInfo.FormatName, complete, defining, inputs, identity,
            shards.Sum(s => s.Rows), Counts(shards), shards, complete ? skipped.Concat(shards.SelectMany(s => s.Skipped)).ToList() : skipped, warnings);
        Snapshot(false).Write(infoPath);

        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var decodeOptions = new ImageDecodeOptions(TargetShortSide: options.ShortSide) { DicomWindow = DicomWindowChoice.Parse(options.DicomWindow) };
        foreach (var group in groups)
        {
            var last = shards.LastOrDefault(s => s.Split == group.Split && s.Text == group.Text);
            int start = last?.SourceEnd ?? 0;
            if (start >= group.Rows.Count) continue;
            ShardWriter? writer = null;
            string firstKey = "";
            var shardSkips = new List<string>();
            int chunk = Math.Max(8, threads * 4);
            try
            {
                for (int from = start; from < group.Rows.Count; from += chunk)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int count = Math.Min(chunk, group.Rows.Count - from);
                    var results = new Encoded[count];
                    Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellation },
                        i => results[i] = Encode(group.Rows[from + i], decodeOptions, options));
                    for (int i = 0; i < count; i++)
                    {
                        var r = results[i];
                        if (r.Error is not null) { shardSkips.Add(r.Error); continue; }
                        if (writer is null)
                        {
                            writer = new ShardWriter(Path.Combine(options.Out, ShardName(shards.Count)));
                            firstKey = Key(keyCounter);
                        }
                        var row = group.Rows[from + i];
                        writer.Add(Key(keyCounter++), r.Png!, group.Text ? row.Row.Text : null, r.Json!);
                        if (writer.Rows == options.ShardSize)
                        {
                            shards.Add(Close(writer, group, firstKey, from + i + 1, shardSkips, shards.Count));
                            writer = null;
                            shardSkips = [];
                            written++;
                            Snapshot(false).Write(infoPath);
                            progress?.Report(Progress(done + i + 1, total, watch, $"{shards[^1].Name}: {shards[^1].Rows} rows, {shards[^1].Bytes / 1e6:F1} MB"));
                        }
                    }
                    done += count;
                    progress?.Report(Progress(done, total, watch, null));
                }
                if (writer is not null)
                {
                    shards.Add(Close(writer, group, firstKey, group.Rows.Count, shardSkips, shards.Count));
                    writer = null;
                    written++;
                    Snapshot(false).Write(infoPath);
                    progress?.Report(Progress(done, total, watch, $"{shards[^1].Name}: {shards[^1].Rows} rows, {shards[^1].Bytes / 1e6:F1} MB"));
                }
                else
                {
                    skipped.AddRange(shardSkips);   // trailing rows of a group that all failed: no shard to carry them
                }
            }
            finally
            {
                writer?.Dispose();
            }
        }
        RemoveStaleShards(options.Out, shards);
        var info = Snapshot(true);
        info.Write(infoPath);
        return new PrepareResult(info, kept.Count, written, watch.Elapsed.TotalSeconds);
    }

    /// <summary>A row key: its position in the dataset, nine digits.</summary>
    public static string Key(int position) => position.ToString("D9", CultureInfo.InvariantCulture);

    private sealed record SourceRow(ManifestRow Row, string Manifest);
    private sealed record Group(string? Split, bool Text, List<SourceRow> Rows);
    private readonly record struct Encoded(byte[]? Png, byte[]? Json, string? Error);

    private static (List<SourceRow> Rows, List<PreparedInput> Inputs, List<string> Skipped, List<string> Warnings) LoadInputs(PrepareOptions options, IProgress<PrepareProgress>? progress)
    {
        var rows = new List<SourceRow>();
        var inputs = new List<PreparedInput>();
        var skipped = new List<string>();
        var warnings = new List<string>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        // a manifest is named by its file name, or by folder/file name when several share a file name
        var files = options.Manifests.Select(p => Path.GetFileName(p)).ToList();
        var names = options.Manifests.Select((p, i) => files.Count(n => n == files[i]) > 1
            ? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(p))) + "/" + files[i] : files[i]).ToList();
        for (int m = 0; m < options.Manifests.Count; m++)
        {
            string path = options.Manifests[m], name = names[m];
            var loaded = Manifest.Load(path);
            progress?.Report(new PrepareProgress(0, 0, 0, null, $"{name}: {loaded.Summary()}"));
            inputs.Add(new PreparedInput(name, new FileInfo(path).Length, ShardWriter.HashFile(path)));
            skipped.AddRange(loaded.Issues.Where(i => i.Kind == IssueKind.Skipped).Select(i => (i with { File = name }).ToString()));
            warnings.AddRange(loaded.Issues.Where(i => i.Kind == IssueKind.Warning).Take(1000).Select(i => (i with { File = name }).ToString()));
            foreach (var row in loaded.Rows)
            {
                if (!ids.TryAdd(row.Id, path))
                    throw new ManifestException(path, $"{path}:{row.Line}: field 'id': row id '{row.Id}' also appears in {ids[row.Id]}; ids must be unique across the manifests");
                rows.Add(new SourceRow(row, name));
            }
        }
        return (rows, inputs, skipped, warnings);
    }

    /// <summary>Rows grouped by (split, usable text), groups in order of first appearance, rows in manifest order.</summary>
    private static List<Group> Groups(List<SourceRow> rows, WordPieceTokenizer tokenizer, List<string> warnings)
    {
        var usable = new bool[rows.Count];
        Parallel.For(0, rows.Count, i => usable[i] = rows[i].Row.Text is { } t && ReportSentences.Create(t, tokenizer).Count > 0);
        var groups = new List<Group>();
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i].Row;
            if (row.Text is not null && !usable[i])
                warnings.Add($"{rows[i].Manifest}:{row.Line}: field 'text': no sentence with a token; kept as an image-only row");
            var group = groups.FirstOrDefault(g => g.Split == row.Split && g.Text == usable[i]);
            if (group is null) groups.Add(group = new Group(row.Split, usable[i], []));
            group.Rows.Add(rows[i]);
        }
        return groups;
    }

    private static Encoded Encode(SourceRow source, ImageDecodeOptions decodeOptions, PrepareOptions options)
    {
        var row = source.Row;
        if (!ImageDecoder.TryLoad(row.ImagePath, out var image, out var error, decodeOptions))
            return new Encoded(null, null, $"{source.Manifest}:{row.Line}: field 'image': {error}");
        var resized = AreaResize.ToShortSide(image, options.ShortSide);
        var png = ShardImageCodec.Encode(resized, options.Bits);
        return new Encoded(png, RowJson(row, source.Manifest, resized.Width, resized.Height), null);
    }

    /// <summary>The <c>.json</c> entry of a row: id, split, patient_id, labels, source (manifest:line), width, height.</summary>
    internal static byte[] RowJson(ManifestRow row, string manifest, int width, int height)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("id", row.Id);
            w.WriteString("split", row.Split);
            w.WriteString("patient_id", row.PatientId);
            w.WriteStartObject("labels");
            foreach (var (key, value) in row.Labels) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteString("source", string.Create(CultureInfo.InvariantCulture, $"{manifest}:{row.Line}"));
            w.WriteNumber("width", width);
            w.WriteNumber("height", height);
            w.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static ShardInfo Close(ShardWriter writer, Group group, string firstKey, int sourceEnd, List<string> skips, int index)
    {
        var (bytes, sha) = writer.Finish();
        return new ShardInfo(ShardName(index), group.Split, group.Text, writer.Rows, bytes, sha, firstKey, sourceEnd, skips.ToList());
    }

    /// <summary>SHA-256 over the content-defining options and the inputs' names, sizes and hashes.</summary>
    internal static string Identity(PreparedOptions options, IReadOnlyList<PreparedInput> inputs)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{PreparedDatasetInfo.FormatName}\n{options.ShortSide}\n{options.ShardSize}\n{options.Bits}\n{options.DicomWindow}\n");
        foreach (var i in inputs) text.Append(CultureInfo.InvariantCulture, $"{i.Name}\t{i.Bytes}\t{i.Sha256}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Shards of an earlier run of the same dataset whose files are intact, in order, up to the first that is not.</summary>
    private static List<ShardInfo> KeptShards(string folder, string infoPath, string identity, IProgress<PrepareProgress>? progress)
    {
        if (!File.Exists(infoPath))
        {
            var other = Directory.EnumerateFileSystemEntries(folder).Where(e => !IsOwnFile(Path.GetFileName(e))).Take(3).ToList();
            if (other.Count > 0)
                throw new PreparedDatasetException(folder, $"{folder}: the folder is not empty and holds no {PreparedDatasetInfo.FileName} ({string.Join(", ", other.Select(Path.GetFileName))}, ...); prepare into an empty or new folder");
            return [];
        }
        var earlier = PreparedDatasetInfo.Read(infoPath);
        if (earlier.Identity != identity)
        {
            string why = "other inputs";
            throw new PreparedDatasetException(folder, $"{folder} already holds a different prepared dataset ({why} or options: short side {earlier.Options.ShortSide}, shard size {earlier.Options.ShardSize}, {earlier.Options.Bits} bits, DICOM window {earlier.Options.DicomWindow}, from {string.Join(", ", earlier.Inputs.Select(i => i.Name))}); it is not mixed with this one: use another --out or delete the folder");
        }
        var kept = new List<ShardInfo>();
        foreach (var shard in earlier.Shards)
        {
            var file = new FileInfo(Path.Combine(folder, shard.Name));
            if (!file.Exists || file.Length != shard.Bytes || ShardWriter.HashFile(file.FullName) != shard.Sha256)
            {
                progress?.Report(new PrepareProgress(0, 0, 0, null, $"{shard.Name}: {(file.Exists ? "size or hash differs from dataset.json" : "missing")}; rewriting from here"));
                break;
            }
            kept.Add(shard);
        }
        if (kept.Count > 0)
            progress?.Report(new PrepareProgress(0, 0, 0, null, $"kept {kept.Count} finished shard(s) of an earlier run ({kept.Sum(s => s.Rows)} rows, size and SHA-256 checked)"));
        return kept;
    }

    private static bool IsOwnFile(string name) =>
        name.StartsWith(Runtime.FolderLock.FileName, StringComparison.Ordinal) || name.StartsWith("shard-", StringComparison.Ordinal) || name.StartsWith(".shard-", StringComparison.Ordinal) || name.StartsWith(PreparedDatasetInfo.FileName, StringComparison.Ordinal);

    private static int ConsumedRows(List<Group> groups, List<ShardInfo> kept) =>
        groups.Sum(g => kept.LastOrDefault(s => s.Split == g.Split && s.Text == g.Text)?.SourceEnd ?? 0);

    private static void RemoveStaleShards(string folder, List<ShardInfo> shards)
    {
        var names = shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(file);
            if ((name.StartsWith("shard-", StringComparison.Ordinal) && !names.Contains(name)) || (name.StartsWith(".shard-", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal)))
                File.Delete(file);
        }
    }

    private static IReadOnlyDictionary<string, int> Counts(List<ShardInfo> shards) =>
        shards.GroupBy(s => s.Split ?? PreparedDatasetInfo.NoSplit, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(s => s.Rows), StringComparer.Ordinal);

    private static PrepareProgress Progress(int done, int total, Stopwatch watch, string? message)
    {
        double rate = done / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
        TimeSpan? eta = done > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - done) / rate) : null;
        return new PrepareProgress(done, total, rate, eta, message);
    }
}
