using ConVirt.Data.Prepared;
using ConVirt.Training;
using ConVirt.Data;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// Image-to-image and text-to-image retrieval by label (the paper's protocol): precision@k of candidates sharing the
/// query's label under cosine similarity. ConVIRT encoders are compared in their projected spaces (v, u); encoders
/// without projections (named baselines, SimCLR, MoCo) by h_v.
/// </summary>
internal static class RetrievalJob
{
    /// <summary>Result file name in the output folder.</summary>
    public const string JsonFileName = "retrieval.json";

    /// <summary>Markdown file name in the output folder.</summary>
    public const string MarkdownFileName = "retrieval.md";

    /// <summary>Runs retrieval; writes retrieval.json and retrieval.md to <see cref="RetrievalOptions.Out"/> when set.</summary>
    /// <param name="options">What to rank.</param>
    /// <param name="progress">Lines for people.</param>
    /// <param name="cancellationToken">Checked before loading, between the feature extractions and before the text queries.</param>
    public static RetrievalResult Run(RetrievalOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        foreach (int k in options.Ks) if (k < 1) throw new ArgumentException($"--k holds {k}; cut-offs must be at least 1");
        if (options.Ks.Count == 0) throw new ArgumentException("--k is empty");
        var keys = new[] { options.Label.Trim() };
        if (options.Label.Contains(',')) throw new ArgumentException($"--label '{options.Label}': retrieval takes one label key");
        cancellationToken.ThrowIfCancellationRequested();
        var queryRows = LabelledRows.Load(options.Queries, options.QuerySplit, keys, manifestOptions: LabelledRows.RootedAt(options.ImageRoot));
        var candidateRows = LabelledRows.Load(options.Candidates, options.CandidateSplit, keys, manifestOptions: LabelledRows.RootedAt(options.ImageRoot));
        using var encoder = EncoderLoader.Load(options.Encoder, options.Seed, options.Device, options.Precision, options.Backend);
        IReadOnlyList<TextQuery>? texts = null;
        if (options.TextQueries is not null)
        {
            encoder.RequireTextTower("text-to-image retrieval needs a ConVIRT run (not random, imagenet, SimCLR or MoCo)");
            texts = TextQuery.Load(options.TextQueries);
        }
        var device = torch.device(options.Device);
        using var precision = encoder.Compute();   // frozen weights: one cast each for the whole job
        bool projected = encoder.Model is not null;
        string identity = ImageFeatures.EncoderIdentity(options.Encoder, options.Seed);
        var queries = ImageFeatures.Extract(encoder, queryRows.Rows, options.ImageSize, projected, device, Path.GetFileName(options.Queries), null, identity, progress: progress);
        cancellationToken.ThrowIfCancellationRequested();
        bool sameRows = Path.GetFullPath(options.Queries) == Path.GetFullPath(options.Candidates) && options.QuerySplit == options.CandidateSplit;
        var candidates = sameRows ? queries
            : ImageFeatures.Extract(encoder, candidateRows.Rows, options.ImageSize, projected, device, Path.GetFileName(options.Candidates), null, identity, progress: progress);

        var labels = queries.Rows.Concat(candidates.Rows).Select(r => r.Labels[keys[0]]!)
            .Concat(texts?.Select(t => t.Label) ?? []).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var candidateLabels = candidates.Rows.Select(r => index[r.Labels[keys[0]]!]).ToArray();
        var candidateLabelSet = candidateLabels.ToHashSet();
        var queryLabels = queries.Rows.Select(r => index[r.Labels[keys[0]]!]).ToArray();
        var self = SelfCandidates(queries.Rows, candidates.Rows);
        progress?.Report($"ranking {queries.Rows.Count} image queries against {candidates.Rows.Count} candidates");
        var image = Precision(queries.Features, candidates.Features, queryLabels, candidateLabels, options.Ks, self, labels,
            queries.Rows.Select(r => r.PatientId).ToList());

        RetrievalScores? text = null;
        if (texts is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var missing = texts.Select(t => t.Label).Where(l => !candidateLabelSet.Contains(index[l])).Distinct().ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"{options.TextQueries}: label(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} match no candidate's '{keys[0]}'");
            using var scope = NewDisposeScope();
            var u = EmbeddingExtractor.Texts(encoder.Towers, encoder.Tokenizer!, texts.Select(t => t.Text).ToList(), encoder.Config.Model.Text.MaxLength, device);
            text = Precision(ImageFeatures.ToMatrix(u), candidates.Features, texts.Select(t => index[t.Label]).ToArray(),
                candidateLabels, options.Ks, null, labels, texts.Select(_ => (string?)null).ToList());
            if (options.Sheets is not null) WriteSheets(options.Sheets, texts, u, candidates, keys[0], Math.Min(options.Ks.Max(), candidates.Rows.Count));
        }
        var result = new RetrievalResult("retrieval", EncoderInfo.Of(encoder), keys[0], projected ? "v (image), u (text): projected" : "h_v",
            new DataSetInfo(options.Queries, queryRows.Split, queries.Rows.Count, queryRows.NullLabelRows, queries.Unreadable.Count),
            new DataSetInfo(options.Candidates, candidateRows.Split, candidates.Rows.Count, candidateRows.NullLabelRows, candidates.Unreadable.Count),
            self.Count(s => s >= 0), options.Ks, image.Overall, image.ByLabel, image.Interval, image.ClassMean,
            options.TextQueries, text?.Overall, text?.ByLabel, text?.Interval, text?.ClassMean, options.ImageSize);
        if (options.Out is not null)
        {
            EvaluationJson.Write(Path.Combine(options.Out, JsonFileName), result);
            File.WriteAllText(Path.Combine(options.Out, MarkdownFileName), result.ToMarkdown());
        }
        return result;
    }

    /// <summary>One contact sheet per text query: its top-k candidates, framed green when their label is the query's.</summary>
    static void WriteSheets(string folder, IReadOnlyList<TextQuery> texts, Tensor u, ImageFeatureSet candidates, string key, int k)
    {
        using var scope = NewDisposeScope();
        var store = torch.tensor(candidates.Features.Cast<float>().ToArray(), [candidates.Rows.Count, candidates.Features.GetLength(1)]);
        var top = RetrievalMetrics.TopK(u, store, k);
        for (int q = 0; q < texts.Count; q++)
        {
            var tiles = new List<ContactTile>();
            for (int j = 0; j < k; j++)
            {
                var row = candidates.Rows[(int)top.Indices[q, j]];
                var label = row.Labels[key]!;
                var image = RowImages.TryLoad(row, out var decoded, out _) ? decoded : null;   // a file, or a prepared row's shard
                tiles.Add(new ContactTile(image, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{label} ({top.Similarities[q, j]:0.000})"), label == texts[q].Label));
            }
            ContactSheet.Write(Path.Combine(folder, $"query-{q:D3}.png"), $"\"{texts[q].Text}\" ({texts[q].Label}): top {k}", tiles);
        }
    }

    /// <summary>For each query, the index of the candidate with the same row id, or -1.</summary>
    public static int[] SelfCandidates(IReadOnlyList<ManifestRow> queries, IReadOnlyList<ManifestRow> candidates)
    {
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < candidates.Count; i++) byId.TryAdd(candidates[i].Id, i);
        return queries.Select(q => byId.TryGetValue(q.Id, out int c) ? c : -1).ToArray();
    }

    /// <summary>
    /// Precision@k of every query, then per k: the mean over queries, the mean per query label, and 95 % bootstrap
    /// intervals of the mean over queries and of the class-balanced mean (the mean of the per-label means, which
    /// weighs every label equally as the paper's 8x200 set does). Queries that name a patient are resampled by patient.
    /// </summary>
    internal static RetrievalScores Precision(float[,] queries, float[,] candidates, int[] queryLabels, int[] candidateLabels,
        IReadOnlyList<int> ks, int[]? self, IReadOnlyList<string> labelNames, IReadOnlyList<string?> groups, int resamples = 1000)
    {
        var perQuery = RetrievalMetrics.PerQueryPrecisionAtK(queries, candidates, queryLabels, candidateLabels, ks, self);
        var byLabel = new Dictionary<string, LabelPrecision>(StringComparer.Ordinal);
        foreach (int label in queryLabels.Distinct().Order())
        {
            var members = Enumerable.Range(0, queryLabels.Length).Where(i => queryLabels[i] == label).ToArray();
            byLabel[labelNames[label]] = new LabelPrecision(members.Length, ks.Select((_, j) => members.Average(i => perQuery[i][j])).ToArray());
        }
        var overall = new double[ks.Count];
        var interval = new MeanInterval[ks.Count];
        var classMean = new MeanInterval[ks.Count];
        for (int j = 0; j < ks.Count; j++)
        {
            int jj = j;
            overall[j] = perQuery.Average(p => p[jj]);
            interval[j] = GroupBootstrap.Interval(groups, s => s.Average(i => perQuery[i][jj]), resamples, 20 + j);
            classMean[j] = GroupBootstrap.Interval(groups, s => s.GroupBy(i => queryLabels[i]).Average(g => g.Average(i => perQuery[i][jj])), resamples, 40 + j);
        }
        return new RetrievalScores(overall, byLabel, interval, classMean);
    }
}

/// <summary>Precision@k of one retrieval direction (see <see cref="RetrievalJob"/>).</summary>
/// <param name="Overall">Mean over queries, per k.</param>
/// <param name="ByLabel">Mean per query label.</param>
/// <param name="Interval">The mean over queries with its 95 % bootstrap interval, per k.</param>
/// <param name="ClassMean">The mean of the per-label means with its 95 % bootstrap interval, per k.</param>
internal sealed record RetrievalScores(IReadOnlyList<double> Overall, IReadOnlyDictionary<string, LabelPrecision> ByLabel,
    IReadOnlyList<MeanInterval> Interval, IReadOnlyList<MeanInterval> ClassMean);
