using ConVirt.Data.Prepared;
using System.Collections.Concurrent;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Text;

namespace ConVirt.Data.Pipeline;

/// <summary>
/// Builds batches of (augmented image views, one sampled sentence) from manifest rows, deterministically
/// from (seed, epoch, batch). All work is managed code, safe to run on background threads beside
/// libtorch. Rows are checked once up front (image decodes, report yields a sentence): what fails is skipped
/// and counted there, so nothing fails in the middle of an epoch.
/// </summary>
internal sealed class PairedBatchSource : ISliceableBatchSource
{
    private readonly PreparedExample[] examples;
    private readonly WordPieceTokenizer? tokenizer;
    private readonly PairedSourceOptions options;
    private readonly ImageAugmenter? augmenter;
    private readonly EvalTransform evalTransform;
    private readonly ConcurrentDictionary<int, List<int[]>> plans = new();
    private readonly ConcurrentDictionary<int, GrayImage> cache = new();
    private readonly ImageDecodeOptions decodeOptions;

    /// <summary>Examples that survived the checks, in manifest order.</summary>
    public IReadOnlyList<PreparedExample> Examples => examples;

    /// <summary>Rows skipped by the checks, each "file:line: field 'x': reason" (never report text).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>The options in use.</summary>
    public PairedSourceOptions Options => options;

    private PairedBatchSource(PreparedExample[] examples, IReadOnlyList<string> skipped, WordPieceTokenizer? tokenizer, PairedSourceOptions options)
    {
        this.examples = examples;
        Skipped = skipped;
        this.tokenizer = tokenizer;
        this.options = options;
        augmenter = options.Augmentation is null ? null : new ImageAugmenter(ForImageSize(options.Augmentation, options.ImageSize));
        evalTransform = new EvalTransform(options.ImageSize);
        decodeOptions = new ImageDecodeOptions(TargetShortSide: options.ImageSize);
    }

    /// <summary>
    /// Checks every row (decodes its image, splits and tokenises its report once) and returns the source.
    /// Rows without usable text are skipped when <see cref="PairedSourceOptions.WithText"/> is set.
    /// </summary>
    public static PairedBatchSource Create(IReadOnlyList<ManifestRow> rows, WordPieceTokenizer? tokenizer, PairedSourceOptions options, string manifestName = "manifest", IProgress<int>? progress = null)
    {
        if (options.WithText && tokenizer is null) throw new ArgumentException("a tokenizer is needed for batches with text");
        if (options.BatchSize < 2) throw new ArgumentException($"batch size must be >= 2, got {options.BatchSize}");
        var skipped = new ConcurrentBag<(int Index, string Message)>();
        var prepared = new PreparedExample?[rows.Count];
        var decoded = new ConcurrentDictionary<int, GrayImage>();
        var decodeOptions = new ImageDecodeOptions(TargetShortSide: options.ImageSize);
        var sentenceCache = options.WithText ? new SentenceCache(tokenizer!, options.MaxTokens) : null; // one split + tokenisation per distinct text
        int done = 0;
        Parallel.For(0, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            var row = rows[i];
            string where = $"{manifestName}:{row.Line}";
            int[][] sentences = [];
            if (options.WithText)
            {
                if (string.IsNullOrWhiteSpace(row.Text)) { skipped.Add((i, $"{where}: field 'text': no text (image-only row)")); return; }
                sentences = sentenceCache!.Get(row.Text).TokenIds.ToArray();
                if (sentences.Length == 0) { skipped.Add((i, $"{where}: field 'text': no sentence with a token")); return; }
            }
            if (!RowImages.TryLoad(row, out var image, out var error, decodeOptions) || image is null)
            {
                skipped.Add((i, $"{where}: field 'image': {error}"));
                return;
            }
            if (i < options.DecodeCacheImages) decoded[i] = image;
            var key = options.WithText ? (row.PatientId ?? "") + "\u0001" + row.Text : null;
            prepared[i] = new PreparedExample(row, sentences, key);
            progress?.Report(Interlocked.Increment(ref done));
        });
        var kept = new List<PreparedExample>();
        var map = new Dictionary<int, int>();
        for (int i = 0; i < prepared.Length; i++)
            if (prepared[i] is { } p) { map[i] = kept.Count; kept.Add(p); }
        var source = new PairedBatchSource(kept.ToArray(), skipped.OrderBy(s => s.Index).Select(s => s.Message).ToList(), tokenizer, options);
        foreach (var (i, image) in decoded)
            if (map.TryGetValue(i, out var k)) source.cache[k] = image;
        return source;
    }

    /// <summary>
    /// The augmentation at another output size. Blur σ is specified for the paper's 224-px view and scales with
    /// the view (σ 3 px at 224 is σ 1.3 px at 96), so a small view is not blurred beyond recognition.
    /// </summary>
    public static AugmentationOptions ForImageSize(AugmentationOptions a, int size) => a with
    {
        OutputSize = size,
        BlurSigmaMin = a.BlurSigmaMin * size / 224.0,
        BlurSigmaMax = a.BlurSigmaMax * size / 224.0,
    };

    /// <inheritdoc />
    public int BatchCount(int epoch) => Plan(epoch).Count;

    private List<int[]> Plan(int epoch) => plans.GetOrAdd(options.Shuffle ? epoch : 0, e =>
    {
        var order = Enumerable.Range(0, examples.Length).ToArray();
        if (options.Shuffle) DeterministicRandom.Create(options.Seed, e, 0x5EED).Shuffle(order);
        var plan = BatchPlanner.Plan(order, i => examples[i].DuplicateKey, options.BatchSize, options.MinBatch);
        if (plans.Count > 4) foreach (var old in plans.Keys.Where(k => k < e - 2)) plans.TryRemove(old, out _);
        return plan;
    });

    /// <inheritdoc />
    public PairBatch Build(int epoch, int index) => Build(epoch, index, Plan(epoch)[index]);

    /// <inheritdoc />
    public PairBatch BuildSlice(int epoch, int index, int rank, int ranks)
    {
        var all = Plan(epoch)[index];
        var slice = BatchSlice.Of(all.Length, rank, ranks);
        return Build(epoch, index, all.AsSpan(slice.Offset, slice.Count).ToArray()) with { Slice = slice };
    }

    private PairBatch Build(int epoch, int index, int[] members)
    {
        int n = members.Length, size = options.ImageSize, pixels = size * size;
        var images = new float[n * pixels];
        var second = options.Views > 1 ? new float[n * pixels] : null;
        var encoded = new int[n][];
        int threads = options.BuildThreads > 0 ? options.BuildThreads : augmenter is null ? Environment.ProcessorCount : 1;
        // each example writes only its own slices, with its own random stream: the batch does not depend on threads
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, j =>
        {
            int e = members[j];
            var ex = examples[e];
            // evaluation batches are the same in every epoch; training ones differ per epoch
            var rng = DeterministicRandom.Create(options.Seed, options.Shuffle ? epoch : 0, e, 0xDA7A);
            var image = Image(e);
            if (augmenter is null) evalTransform.Apply(image, images.AsSpan(j * pixels, pixels));
            else augmenter.Apply(image, rng, images.AsSpan(j * pixels, pixels));
            if (second is not null)
            {
                if (augmenter is null) evalTransform.Apply(image, second.AsSpan(j * pixels, pixels));
                else augmenter.Apply(image, rng, second.AsSpan(j * pixels, pixels));
            }
            if (options.WithText) encoded[j] = ex.Sentences[SentenceSampler.SampleIndex(ex.Sentences.Length, rng)];
        });
        var tokens = options.WithText ? tokenizer!.Pad(encoded) : null;
        return new PairBatch(epoch, index, n, size, images, second, tokens, members);
    }

    private GrayImage Image(int example)
    {
        if (cache.TryGetValue(example, out var img)) return img;
        // checked at creation, so this decode succeeds unless the file changed since; then a blank image
        // keeps the epoch going and the problem is visible in the loss rather than a crash mid-epoch.
        var loaded = RowImages.TryLoad(examples[example].Row, out var image, out _, decodeOptions) && image is not null
            ? image : GrayImage.Filled(options.ImageSize, options.ImageSize, 0f);
        if (cache.Count < options.DecodeCacheImages) cache[example] = loaded;
        return loaded;
    }
}
