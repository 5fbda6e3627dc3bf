using System.Collections.Concurrent;
using System.Text.Json;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Prepared;
using ConVirt.Data.Text;

namespace ConVirt.Data.Pipeline;

/// <summary>
/// Batches streamed from the shards of a prepared dataset: shards read one after another in a shuffled order
/// through a bounded shuffle buffer (<see cref="StreamOrder"/>, a pure function of (seed, epoch), so a resumed
/// run sees the batches an uninterrupted one would); images decoded, augmented and the sentence sampled when a
/// batch is built, on the prefetch workers. Nothing is decoded or checked up front: prepare did that. A row that
/// fails now (no image entry, an image that does not decode, no sentence) is left out of its batch, counted and
/// reported naming shard and key. A row whose (patient, text) key is already in its batch is left out of that
/// batch, as the one clinical note must not be its own negative (the manifest path defers it to a later batch instead).
/// </summary>
internal sealed class StreamingBatchSource : IBatchSource, IDisposable
{
    private readonly PreparedDataset dataset;
    private readonly IReadOnlyList<ShardInfo> shards;
    private readonly int[] shardRows;
    private readonly int total;
    private readonly WordPieceTokenizer? tokenizer;
    private readonly PairedSourceOptions options;
    private readonly int bufferSize;
    private readonly ImageAugmenter? augmenter;
    private readonly EvalTransform evalTransform;
    private readonly ConcurrentDictionary<int, Lazy<StreamOrder>> orders = new();
    private readonly ConcurrentDictionary<int, ShardStreamCursor> cursors = new();
    private int skipped, duplicates;

    /// <summary>A source over <paramref name="shards"/> of <paramref name="dataset"/> (checked to exist with their recorded size; nothing is read).</summary>
    /// <exception cref="PreparedDatasetException">A shard is missing or has another size than recorded (the file is named).</exception>
    public StreamingBatchSource(PreparedDataset dataset, IReadOnlyList<ShardInfo> shards, WordPieceTokenizer? tokenizer, PairedSourceOptions options, int shuffleBuffer)
    {
        if (options.WithText && tokenizer is null) throw new ArgumentException("a tokenizer is needed for batches with text");
        if (options.BatchSize < 2) throw new ArgumentException($"batch size must be >= 2, got {options.BatchSize}");
        if (shuffleBuffer < 1) throw new ArgumentOutOfRangeException(nameof(shuffleBuffer), shuffleBuffer, "shuffle buffer must hold at least 1 row");
        dataset.CheckFiles(shards);
        this.dataset = dataset;
        this.shards = shards;
        shardRows = shards.Select(s => s.Rows).ToArray();
        total = shardRows.Sum();
        this.tokenizer = tokenizer;
        this.options = options;
        bufferSize = shuffleBuffer;
        augmenter = options.Augmentation is null ? null : new ImageAugmenter(PairedBatchSource.ForImageSize(options.Augmentation, options.ImageSize));
        evalTransform = new EvalTransform(options.ImageSize);
    }

    /// <summary>Rows in the selected shards.</summary>
    public int Rows => total;

    /// <summary>Rows left out of batches so far because they failed (no image, undecodable image, no sentence).</summary>
    public int Skipped => Volatile.Read(ref skipped);

    /// <summary>Rows left out of a batch because their (patient, text) key was already in it.</summary>
    public int DuplicatesLeftOut => Volatile.Read(ref duplicates);

    /// <summary>Receives one line per problem (naming shard and key; never report text); may be null.</summary>
    public IProgress<string>? Issues { get; init; }

    /// <summary>The options in use.</summary>
    public PairedSourceOptions Options => options;

    /// <inheritdoc />
    public int BatchCount(int epoch) => total / options.BatchSize + (total % options.BatchSize >= options.MinBatch ? 1 : 0);

    /// <summary>The order of epoch <paramref name="epoch"/> (evaluation sources: the same in every epoch).</summary>
    public StreamOrder Order(int epoch)
    {
        int e = options.Shuffle ? epoch : 0;
        var order = orders.GetOrAdd(e, k => new Lazy<StreamOrder>(() => StreamOrder.Create(shardRows, options.Seed, k, options.Shuffle, bufferSize))).Value;
        foreach (var old in orders.Keys.Where(k => k < e - 1)) orders.TryRemove(old, out _);
        return order;
    }

    /// <inheritdoc />
    public PairBatch Build(int epoch, int index)
    {
        int e = options.Shuffle ? epoch : 0;
        var order = Order(e);
        int first = index * options.BatchSize, n = Math.Min(options.BatchSize, total - first);
        if (index < 0 || n <= 0) throw new ArgumentOutOfRangeException(nameof(index), index, $"epoch {epoch} has {BatchCount(epoch)} batches");
        var ids = order.Emission.AsSpan(first, n).ToArray();
        var cursor = cursors.GetOrAdd(e, _ => new ShardStreamCursor(shards, dataset.ShardPath, order, Report));
        foreach (var old in cursors.Keys.Where(k => k < e - 1))
            if (cursors.TryRemove(old, out var stale)) stale.Dispose();
        var samples = cursor.Fetch(ids, first);

        int size = options.ImageSize, pixels = size * size;
        var images = new float[n * pixels];
        var second = options.Views > 1 ? new float[n * pixels] : null;
        var encoded = new int[n][];
        var keys = new string?[n];
        var ok = new bool[n];
        int threads = options.BuildThreads > 0 ? options.BuildThreads : augmenter is null ? Environment.ProcessorCount : 1;
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, j =>
        {
            var sample = samples[j];
            string where = $"{ShardNameOf(ids[j])}: key {sample.Key}";
            if (sample.Png is null) { Skip($"{where}: no .png entry"); return; }
            if (!ShardImageCodec.TryDecode(sample.Png, out var image, out var why)) { Skip($"{where}: {why}"); return; }
            var rng = DeterministicRandom.Create(options.Seed, e, ids[j], 0xDA7A);
            if (augmenter is null) evalTransform.Apply(image, images.AsSpan(j * pixels, pixels));
            else augmenter.Apply(image, rng, images.AsSpan(j * pixels, pixels));
            if (second is not null)
            {
                if (augmenter is null) evalTransform.Apply(image, second.AsSpan(j * pixels, pixels));
                else augmenter.Apply(image, rng, second.AsSpan(j * pixels, pixels));
            }
            if (options.WithText)
            {
                var sentences = sample.Text is null ? null : ReportSentences.Create(sample.Text, tokenizer!, options.MaxTokens);
                if (sentences is null || sentences.Count == 0) { Skip($"{where}: field 'text': {(sample.Text is null ? "no .txt entry" : "no sentence with a token")}"); return; }
                encoded[j] = sentences.TokenIds[SentenceSampler.SampleIndex(sentences.Count, rng)];
                keys[j] = PatientOf(sample.Json) + "\u0001" + sample.Text;
            }
            ok[j] = true;
        });
        return Assemble(epoch, index, ids, images, second, encoded, keys, ok);
    }

    private PairBatch Assemble(int epoch, int index, int[] ids, float[] images, float[]? second, int[][] encoded, string?[] keys, bool[] ok)
    {
        int n = ids.Length, pixels = options.ImageSize * options.ImageSize;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<int>(n);
        for (int j = 0; j < n; j++)
        {
            if (!ok[j]) continue;
            if (keys[j] is { } k && !seen.Add(k)) { Interlocked.Increment(ref duplicates); continue; }
            kept.Add(j);
        }
        if (kept.Count == n)
            return new PairBatch(epoch, index, n, options.ImageSize, images, second, options.WithText ? tokenizer!.Pad(encoded) : null, ids);
        var outImages = new float[kept.Count * pixels];
        var outSecond = second is null ? null : new float[kept.Count * pixels];
        for (int i = 0; i < kept.Count; i++)
        {
            images.AsSpan(kept[i] * pixels, pixels).CopyTo(outImages.AsSpan(i * pixels));
            second?.AsSpan(kept[i] * pixels, pixels).CopyTo(outSecond.AsSpan(i * pixels));
        }
        var tokens = options.WithText ? tokenizer!.Pad(kept.Select(j => encoded[j]).ToArray()) : null;
        return new PairBatch(epoch, index, kept.Count, options.ImageSize, outImages, outSecond, tokens, kept.Select(j => ids[j]).ToArray());
    }

    private string ShardNameOf(int id)
    {
        for (int s = 0, offset = 0; s < shards.Count; offset += shardRows[s], s++)
            if (id < offset + shardRows[s]) return shards[s].Name;
        return "?";
    }

    private static string PatientOf(byte[]? json)
    {
        if (json is null) return "";
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("patient_id", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : "";
        }
        catch (JsonException) { return ""; }
    }

    private void Skip(string message)
    {
        Interlocked.Increment(ref skipped);
        Report(message);
    }

    private void Report(string message) => Issues?.Report(message);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var c in cursors.Values) c.Dispose();
        cursors.Clear();
    }
}
