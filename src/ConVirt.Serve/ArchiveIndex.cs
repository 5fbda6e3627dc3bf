using ConVirt.Data.Prepared;
using ConVirt.Training;
using System.Collections.Concurrent;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Evaluation;
using ConVirt.Evaluation.Grounding;
using ConVirt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Serve;

/// <summary>
/// The searchable archive: the encoder, the rows whose image decoded, their embeddings in an <see cref="EmbeddingIndex"/>
/// (float16 scan, float32 re-score), and what the endpoints compute from them: text and image queries, thumbnails,
/// grounding maps. Thread-safe: the encoder's forward passes run one at a time; searches run concurrently.
/// </summary>
internal sealed class ArchiveIndex : IDisposable
{
    const int MaxCachedFilters = 32, MaxCachedThumbnails = 4096;
    readonly Tensor all;                    // [n, d] float32, CPU
    readonly EmbeddingIndex index;
    readonly Dictionary<string, int> byId = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, Lazy<Subset>> subsets = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, byte[]> thumbnails = new(StringComparer.Ordinal);
    readonly Lock forward = new();
    readonly Device device;
    readonly QueryBatcher<TextRequest, IReadOnlyList<SearchHit>>? textBatcher;
    readonly QueryBatcher<ImageRequest, IReadOnlyList<SearchHit>>? imageBatcher;

    /// <param name="encoder">The frozen encoder (eval mode is set here).</param>
    /// <param name="set">Rows and their embeddings (row i of the features for <c>Rows[i]</c>).</param>
    /// <param name="featureKind"><c>v</c> (projected; text search available) or <c>h_v</c>.</param>
    /// <param name="imageSize">Side of the model's view of an image.</param>
    /// <param name="options">Limits.</param>
    /// <remarks>Build it outside a dispose scope: the index keeps its tensors until <see cref="Dispose"/>.</remarks>
    public ArchiveIndex(LoadedEncoder encoder, ImageFeatureSet set, string featureKind, int imageSize, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(set);
        if (set.Rows.Count == 0) throw new ArgumentException("no image of the archive could be read: nothing to serve");
        Encoder = encoder;
        Rows = set.Rows;
        Unreadable = set.Unreadable.Count;
        FeatureKind = featureKind;
        ImageSize = imageSize;
        Options = options;
        device = encoder.Image.parameters().FirstOrDefault()?.device ?? CPU;
        for (int i = 0; i < Rows.Count; i++)
            if (!byId.TryAdd(Rows[i].Id, i)) throw new ArgumentException($"row id '{Rows[i].Id}' appears twice");
        all = tensor(set.Features);
        index = new EmbeddingIndex(all, shortlist: Math.Max(64, options.MaxK));
        (encoder.Model is not null ? (nn.Module)encoder.Model : encoder.Image).eval();
        Labels = Rows.SelectMany(r => r.Labels.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        Splits = Rows.Select(r => r.Split).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        if (HasTextTower && options.BatchWindow is { } window) textBatcher = new(SearchTextBatch, window, options.MaxBatch);
        if (options.BatchWindow is { } imageWindow) imageBatcher = new(SearchImageBatch, imageWindow, options.MaxBatch);
    }

    /// <summary>The encoder.</summary>
    public LoadedEncoder Encoder { get; }

    /// <summary>Rows in the index, in manifest order.</summary>
    public IReadOnlyList<ManifestRow> Rows { get; }

    /// <summary>Rows skipped because their image could not be decoded.</summary>
    public int Unreadable { get; }

    /// <summary><c>v</c> or <c>h_v</c>.</summary>
    public string FeatureKind { get; }

    /// <summary>Side of the model's view.</summary>
    public int ImageSize { get; }

    /// <summary>Embedding width.</summary>
    public long Dimension => index.Dimension;

    /// <summary>The limits in force.</summary>
    public ServeOptions Options { get; }

    /// <summary>Label keys present in the rows.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Splits present in the rows.</summary>
    public IReadOnlyList<string> Splits { get; }

    /// <summary>Whether text queries work (a ConVIRT encoder with a text tower).</summary>
    public bool HasTextTower => Encoder.Model is not null && Encoder.Tokenizer is not null;

    /// <summary>The cache file (written or read at start); null when built from embeddings in memory.</summary>
    public string? CachePath { get; init; }

    /// <summary>Whether the embeddings came from the cache.</summary>
    public bool FromCache { get; init; }

    /// <summary>The row with this id, or null.</summary>
    public ManifestRow? Find(string id) => byId.TryGetValue(id, out var i) ? Rows[i] : null;

    /// <summary>Top <paramref name="k"/> rows for a text query (u against the rows' v), embedded and searched on its own.</summary>
    public IReadOnlyList<SearchHit> SearchText(string text, int k, SearchFilter filter)
    {
        using var query = EmbedText(text);
        return Search(query, k, filter);
    }

    /// <summary>
    /// Top <paramref name="k"/> rows for a text query: with <see cref="ServeOptions.BatchWindow"/> set, concurrent queries
    /// are embedded in one forward pass and those with the same filter searched in one scan; otherwise as
    /// <see cref="SearchText"/>. A bad <paramref name="k"/> or filter is refused before the query joins a batch.
    /// </summary>
    public Task<IReadOnlyList<SearchHit>> SearchTextAsync(string text, int k, SearchFilter filter)
    {
        if (textBatcher is null) return Task.FromResult(SearchText(text, k, filter));
        if (!HasTextTower) throw new ApiException(400, $"encoder '{Encoder.Name}' has no text tower: text search needs a ConVIRT run (search by image instead)");
        CheckSearch(k, filter);
        return textBatcher.Submit(new TextRequest(text, k, filter));
    }

    /// <summary>Batches formed and text queries answered through them (zero without batching).</summary>
    public (long Batches, long Queries) TextBatches => textBatcher is null ? (0, 0) : (textBatcher.Batches, textBatcher.Requests);

    IReadOnlyList<IReadOnlyList<SearchHit>> SearchTextBatch(IReadOnlyList<TextRequest> requests)
    {
        Tensor queries;
        lock (forward)
        {
            using var scope = NewDisposeScope();
            queries = EmbeddingExtractor.Texts(Encoder.Towers, Encoder.Tokenizer!, requests.Select(r => r.Text).ToList(), Encoder.Config.Model.Text.MaxLength, device,
                batchSize: Options.MaxBatch).MoveToOuterDisposeScope();
        }
        using (queries) return Answer(queries, requests.Select(r => (r.K, r.Filter)).ToList());
    }

    /// <summary>
    /// Top <paramref name="k"/> rows for an image query: with <see cref="ServeOptions.BatchWindow"/> set, concurrent
    /// uploads (each brought to the model's view on its own request thread) go through the image tower in one forward
    /// pass and those with the same filter are searched in one scan; otherwise as <see cref="SearchImage"/>. A bad
    /// <paramref name="k"/> or filter is refused before the query joins a batch.
    /// </summary>
    public Task<IReadOnlyList<SearchHit>> SearchImageAsync(GrayImage image, int k, SearchFilter filter)
    {
        if (imageBatcher is null) return Task.FromResult(SearchImage(image, k, filter));
        CheckSearch(k, filter);
        return imageBatcher.Submit(new ImageRequest(new EvalTransform(ImageSize).Apply(image), k, filter));
    }

    /// <summary>Batches formed and image queries answered through them (zero without batching).</summary>
    public (long Batches, long Queries) ImageBatches => imageBatcher is null ? (0, 0) : (imageBatcher.Batches, imageBatcher.Requests);

    IReadOnlyList<IReadOnlyList<SearchHit>> SearchImageBatch(IReadOnlyList<ImageRequest> requests)
    {
        int pixels = ImageSize * ImageSize;
        var views = new float[requests.Count * pixels];
        for (int i = 0; i < requests.Count; i++) requests[i].View.CopyTo(views, i * pixels);
        Tensor queries;
        lock (forward)
        {
            using var scope = NewDisposeScope();
            queries = Encoder.Towers.Images(BatchTensors.Images(views, requests.Count, ImageSize, device), projected: FeatureKind == "v").cpu().MoveToOuterDisposeScope();
        }
        using (queries) return Answer(queries, requests.Select(r => (r.K, r.Filter)).ToList());
    }

    // each row of [q, d] queries answered with its own k and filter; queries with the same filter share one scan
    IReadOnlyList<IReadOnlyList<SearchHit>> Answer(Tensor queries, IReadOnlyList<(int K, SearchFilter Filter)> requests)
    {
        var answers = new IReadOnlyList<SearchHit>[requests.Count];
        foreach (var group in Enumerable.Range(0, requests.Count).GroupBy(i => requests[i].Filter.Key))
        {
            var members = group.ToArray();
            int k = members.Max(i => requests[i].K);
            using var positions = tensor(members.Select(i => (long)i).ToArray());
            using var selected = queries.index_select(0, positions);
            var found = Search(selected, k, requests[members[0]].Filter, members.Select(i => requests[i].K).ToArray());
            for (int j = 0; j < members.Length; j++) answers[members[j]] = found[j];
        }
        return answers;
    }

    /// <summary>Top <paramref name="k"/> rows for an image query (the image embedded as the archive's rows are).</summary>
    public IReadOnlyList<SearchHit> SearchImage(GrayImage image, int k, SearchFilter filter)
    {
        using var query = EmbedImage(image);
        return Search(query, k, filter);
    }

    /// <summary>The text's projected vector u [d] (needs a text tower).</summary>
    public Tensor EmbedText(string text)
    {
        if (!HasTextTower) throw new ApiException(400, $"encoder '{Encoder.Name}' has no text tower: text search needs a ConVIRT run (search by image instead)");
        lock (forward)
        {
            using var scope = NewDisposeScope();
            return EmbeddingExtractor.Texts(Encoder.Towers, Encoder.Tokenizer!, [text], Encoder.Config.Model.Text.MaxLength, device)[0].MoveToOuterDisposeScope();
        }
    }

    /// <summary>The image's feature [d] of the index's kind, through the evaluation transform.</summary>
    public Tensor EmbedImage(GrayImage image)
    {
        var view = new EvalTransform(ImageSize).Apply(image);
        lock (forward)
        {
            using var scope = NewDisposeScope();
            return Encoder.Towers.Images(View(view), projected: FeatureKind == "v")[0].cpu().MoveToOuterDisposeScope();
        }
    }

    /// <summary>Top <paramref name="k"/> rows of those matching <paramref name="filter"/> for a query vector [d].</summary>
    /// <remarks>Call outside a dispose scope: the index of a new filter is built here and kept.</remarks>
    public IReadOnlyList<SearchHit> Search(Tensor query, int k, SearchFilter filter)
    {
        CheckSearch(k, filter);
        return Search(query, k, filter, [k])[0];
    }

    /// <summary>Each row of [q, d] <paramref name="queries"/> searched in one scan; query i gets its best <paramref name="ks"/>[i] (at most <paramref name="k"/>).</summary>
    List<SearchHit>[] Search(Tensor queries, int k, SearchFilter filter, int[] ks)
    {
        if (filter.Conditions.Count == 0) return Hits(index.Search(queries, Math.Min(k, Rows.Count)), null, ks);
        var subset = SubsetOf(filter);
        if (subset.Index is null) return ks.Select(_ => new List<SearchHit>()).ToArray();
        return Hits(subset.Index.Search(queries, Math.Min(k, subset.Rows.Length)), subset.Rows, ks);
    }

    void CheckSearch(int k, SearchFilter filter)
    {
        if (k < 1 || k > Options.MaxK) throw new ApiException(400, $"k = {k}: must be in [1, {Options.MaxK}]");
        foreach (var key in filter.Conditions.Keys)
            if (key != "split" && !Labels.Contains(key)) throw new ApiException(400, $"filter key '{key}' is unknown (known: split{string.Concat(Labels.Select(l => ", " + l))})");
    }

    /// <summary>A PNG of the row's image, its longer side at most <see cref="ServeOptions.ThumbnailSide"/> (never the original file).</summary>
    public byte[] Thumbnail(ManifestRow row)
    {
        if (thumbnails.TryGetValue(row.Id, out var png)) return png;
        png = Thumbnails.Encode(LoadImage(row), Options.ThumbnailSide);
        if (thumbnails.Count < MaxCachedThumbnails) thumbnails.TryAdd(row.Id, png);
        return png;
    }

    /// <summary>The grounding overlay PNG of <paramref name="text"/> on the row's image (<see cref="GroundingMap"/>).</summary>
    public byte[] Ground(ManifestRow row, string text)
    {
        if (!HasTextTower) throw new ApiException(400, $"encoder '{Encoder.Name}' has no text tower: grounding maps need a ConVIRT run");
        var view = new EvalTransform(ImageSize).Apply(LoadImage(row));
        float[,] map;
        using (var scope = NewDisposeScope())
        {
            lock (forward)
            {
                // grounding reads the modules' spatial maps, so u comes from the modules too (as `convirt ground` computes it)
                var u = EmbeddingExtractor.Texts(Encoder.Model!, Encoder.Tokenizer!, [text], Encoder.Config.Model.Text.MaxLength, device)[0];
                map = GroundingMap.Compute(Encoder.Model!, View(view), u);
            }
        }
        return GroundingOverlay.Encode(view, ImageSize, map, text);
    }

    Tensor View(float[] view)
    {
        var x = tensor(view, [1, 1, ImageSize, ImageSize], device: device);
        return Encoder.Image.Spec.InChannels == 3 ? x.expand(1, 3, ImageSize, ImageSize) : x;
    }

    static GrayImage LoadImage(ManifestRow row) =>
        RowImages.TryLoad(row, out var image, out _) ? image : throw new ApiException(404, $"the image of row '{row.Id}' can no longer be read");

    /// <summary>Query i's best min(ks[i], found) hits: the prefix of its ranking (best first, ties by row), as a search for ks[i] alone returns.</summary>
    List<SearchHit>[] Hits(NearestNeighbours found, int[]? rows, int[] ks)
    {
        var all = new List<SearchHit>[ks.Length];
        for (int i = 0; i < ks.Length; i++)
        {
            int count = Math.Min(ks[i], found.Indices.GetLength(1));
            var hits = new List<SearchHit>(count);
            for (int j = 0; j < count; j++)
            {
                var row = Rows[rows is null ? (int)found.Indices[i, j] : rows[found.Indices[i, j]]];
                hits.Add(new SearchHit(row.Id, found.Similarities[i, j], row.Split, row.Labels));
            }
            all[i] = hits;
        }
        return all;
    }

    Subset SubsetOf(SearchFilter filter)
    {
        var key = filter.Key;
        if (subsets.TryGetValue(key, out var cached)) return cached.Value;
        var made = new Lazy<Subset>(() => MakeSubset(filter));
        return subsets.Count < MaxCachedFilters ? subsets.GetOrAdd(key, made).Value : made.Value;
    }

    Subset MakeSubset(SearchFilter filter)
    {
        var rows = Enumerable.Range(0, Rows.Count).Where(i => filter.Matches(Rows[i])).ToArray();
        if (rows.Length == 0) return new Subset(rows, null);
        // no dispose scope here: the sub-index's tensors must outlive this call
        using var positions = tensor(rows.Select(i => (long)i).ToArray());
        using var selected = all.index_select(0, positions);
        return new Subset(rows, new EmbeddingIndex(selected, shortlist: Math.Max(64, Options.MaxK)));
    }

    /// <summary>Releases the embeddings.</summary>
    public void Dispose()
    {
        textBatcher?.Dispose();
        imageBatcher?.Dispose();
        index.Dispose();
        all.Dispose();
        foreach (var s in subsets.Values) if (s.IsValueCreated) s.Value.Index?.Dispose();
    }

    sealed record Subset(int[] Rows, EmbeddingIndex? Index);

    sealed record TextRequest(string Text, int K, SearchFilter Filter);

    sealed record ImageRequest(float[] View, int K, SearchFilter Filter);
}
