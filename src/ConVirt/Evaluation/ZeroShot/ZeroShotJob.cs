using ConVirt.Training;
using ConVirt.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation.ZeroShot;

/// <summary>
/// <c>convirt evaluate zeroshot</c>: classifies images with no labelled training data by comparing each image's
/// projected vector v with the projected vectors u of prompt texts (<see cref="ZeroShotScores"/>).
/// </summary>
internal static class ZeroShotJob
{
    /// <summary>Result file name in the output folder.</summary>
    public const string JsonFileName = "zeroshot.json";

    /// <summary>Markdown file name in the output folder.</summary>
    public const string MarkdownFileName = "zeroshot.md";

    /// <summary>Values of a binary finding read as positive / negative (case-insensitive).</summary>
    private static readonly string[] PositiveValues = ["1", "true", "yes", "positive"], NegativeValues = ["0", "false", "no", "negative"];

    /// <summary>Runs the evaluation; writes zeroshot.json and zeroshot.md to <see cref="ZeroShotOptions.Out"/> when set.</summary>
    /// <param name="options">What to score.</param>
    /// <param name="progress">Lines for people.</param>
    /// <param name="cancellationToken">Checked before loading, after loading and after the image features.</param>
    public static ZeroShotResult Run(ZeroShotOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prompts = PromptSet.Load(options.Prompts);
        using var encoder = EncoderLoader.Load(options.Encoder, 0, options.Device, options.Precision, options.Backend);
        encoder.RequireTextTower("zero-shot classification needs a ConVIRT run (not random, imagenet, SimCLR or MoCo)");
        cancellationToken.ThrowIfCancellationRequested();
        var device = torch.device(options.Device);
        using var precision = encoder.Compute();   // frozen weights: one cast each
        var result = options.Mode == ZeroShotMode.Classes
            ? RunClasses(options, prompts, encoder, device, progress, cancellationToken)
            : RunPairs(options, prompts, encoder, device, progress, cancellationToken);
        if (options.Out is not null)
        {
            EvaluationJson.Write(Path.Combine(options.Out, JsonFileName), result);
            File.WriteAllText(Path.Combine(options.Out, MarkdownFileName), result.ToMarkdown());
        }
        return result;
    }

    private static ZeroShotResult RunClasses(ZeroShotOptions o, IReadOnlyList<PromptClass> prompts, LoadedEncoder encoder, Device device, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(o.Label)) throw new ArgumentException("--label KEY is required in classes mode");
        if (prompts.Count < 2) throw new ArgumentException($"{o.Prompts}: classes mode needs prompts for at least 2 labels, found {prompts.Count}");
        string key = o.Label.Trim();
        var labelled = LabelledRows.Load(o.Data, o.Split, [key], manifestOptions: LabelledRows.RootedAt(o.ImageRoot));
        var classIndex = prompts.Select((p, i) => (p.Label, i)).ToDictionary(x => x.Label, x => x.i, StringComparer.Ordinal);
        var rows = labelled.Rows.Where(r => classIndex.ContainsKey(r.Labels[key]!.Trim())).ToList();
        int skipped = labelled.Rows.Count - rows.Count;
        if (rows.Count < 2)
            throw new ArgumentException($"{o.Data}: {rows.Count} rows have a '{key}' value among the prompt labels ({string.Join(", ", classIndex.Keys)})");

        var images = ImageFeatures.Extract(encoder, rows, o.ImageSize, projected: true, device, Path.GetFileName(o.Data), progress: progress);
        cancellationToken.ThrowIfCancellationRequested();
        var probabilities = ZeroShotScores.Probabilities(images.Features, ClassVectors(prompts, encoder, device), encoder.Config.Loss.Temperature);
        int[] actual = images.Rows.Select(r => classIndex[r.Labels[key]!.Trim()]).ToArray();
        int k = prompts.Count, n = actual.Length;
        var predicted = new int[n];
        for (int i = 0; i < n; i++)
            for (int c = 1; c < k; c++) if (probabilities[i, c] > probabilities[i, predicted[i]]) predicted[i] = c;
        var groups = images.Rows.Select(r => r.PatientId).ToList();
        progress?.Report($"scoring {n} images against {k} classes");

        double Accuracy(int[] s) => s.Count(i => predicted[i] == actual[i]) / (double)s.Length;
        double Balanced(int[] s) => ClassificationMetrics.BalancedAccuracy(s.Select(i => predicted[i]).ToArray(), s.Select(i => actual[i]).ToArray());
        double Auc(int[] s)
        {
            var p = new float[s.Length, k];
            for (int i = 0; i < s.Length; i++) for (int c = 0; c < k; c++) p[i, c] = (float)probabilities[s[i], c];
            var a = s.Select(i => actual[i]).ToArray();
            return a.Distinct().Count() < 2 ? double.NaN : ClassificationMetrics.MacroAucOneVsRest(p, a, k);
        }
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        for (int i = 0; i < n; i++) confusion[actual[i]][predicted[i]]++;
        return new ZeroShotResult("zeroshot", EncoderInfo.Of(encoder), "classes", key, o.Prompts, Counts(prompts),
            Info(o, labelled, images), encoder.Config.Loss.Temperature, skipped + labelled.NullLabelRows,
            prompts.Select(p => p.Label).ToList(),
            GroupBootstrap.Interval(groups, Accuracy, o.Resamples, 1), GroupBootstrap.Interval(groups, Balanced, o.Resamples, 2),
            GroupBootstrap.Interval(groups, Auc, o.Resamples, 3), confusion, null, null, o.ImageSize);
    }

    private static ZeroShotResult RunPairs(ZeroShotOptions o, IReadOnlyList<PromptClass> prompts, LoadedEncoder encoder, Device device, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var findings = Findings(o, prompts);
        var all = LabelledRows.Load(o.Data, o.Split, [], manifestOptions: LabelledRows.RootedAt(o.ImageRoot));
        foreach (var f in findings)
            if (!all.Rows.Any(r => r.Labels.ContainsKey(f)))
                throw new ManifestException(o.Data, $"{o.Data}: no row has the label key '{f}' named by the prompts' '{f}:positive' / '{f}:negative'");
        var rows = all.Rows.Where(r => findings.Any(f => Binary(r, f) is not null)).ToList();
        if (rows.Count < 2) throw new ArgumentException($"{o.Data}: {rows.Count} rows have a 0/1 value for {string.Join(", ", findings)}");
        var images = ImageFeatures.Extract(encoder, rows, o.ImageSize, projected: true, device, Path.GetFileName(o.Data), progress: progress);
        cancellationToken.ThrowIfCancellationRequested();

        // prompt classes in the order: f1:positive, f1:negative, f2:positive, ...
        var ordered = findings.SelectMany(f => new[] { f + ":positive", f + ":negative" }).Select(l => prompts.First(p => p.Label == l)).ToList();
        var classVectors = ClassVectors(ordered, encoder, device);
        var scores = new Dictionary<string, FindingScore>(StringComparer.Ordinal);
        var perFinding = new List<(int[] Items, double[] Score, int[] Truth)>();
        for (int f = 0; f < findings.Count; f++)
        {
            var pair = new float[2, classVectors.GetLength(1)];
            for (int j = 0; j < pair.GetLength(1); j++) { pair[0, j] = classVectors[2 * f, j]; pair[1, j] = classVectors[2 * f + 1, j]; }
            var p = ZeroShotScores.Probabilities(images.Features, pair, encoder.Config.Loss.Temperature);
            var items = Enumerable.Range(0, images.Rows.Count).Where(i => Binary(images.Rows[i], findings[f]) is not null).ToArray();
            var score = items.Select(i => p[i, 0]).ToArray();
            var truth = items.Select(i => Binary(images.Rows[i], findings[f])!.Value).ToArray();
            if (truth.Distinct().Count() < 2)
                throw new ArgumentException($"{o.Data}: finding '{findings[f]}' has only {(truth[0] == 1 ? "positive" : "negative")} images; an AUC needs both");
            perFinding.Add((items, score, truth));
            var groups = items.Select(i => images.Rows[i].PatientId).ToList();
            var auc = GroupBootstrap.Interval(groups, s => AucOf(s, score, truth), o.Resamples, 10 + f);
            scores[findings[f]] = new FindingScore(truth.Count(t => t == 1), truth.Count(t => t == 0), auc);
        }
        // the mean AUC over findings, its interval from resampling patients once for all findings
        var allGroups = images.Rows.Select(r => r.PatientId).ToList();
        double MeanAuc(int[] sample)
        {
            var drawn = sample.GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());
            double total = 0;
            foreach (var (items, score, truth) in perFinding)
            {
                var s = new List<int>();
                for (int j = 0; j < items.Length; j++)
                    for (int c = drawn.GetValueOrDefault(items[j]); c > 0; c--) s.Add(j);
                double a = AucOf(s.ToArray(), score, truth);
                if (double.IsNaN(a)) return double.NaN;
                total += a;
            }
            return total / perFinding.Count;
        }
        progress?.Report($"scored {images.Rows.Count} images for {findings.Count} finding(s)");
        return new ZeroShotResult("zeroshot", EncoderInfo.Of(encoder), "pairs", string.Join(",", findings), o.Prompts, Counts(ordered),
            Info(o, all, images), encoder.Config.Loss.Temperature, all.Rows.Count - rows.Count,
            null, null, null, null, null, scores, GroupBootstrap.Interval(allGroups, MeanAuc, o.Resamples, 99), o.ImageSize);
    }

    private static double AucOf(int[] sample, double[] score, int[] truth)
    {
        var t = sample.Select(i => truth[i]).ToArray();
        return t.Distinct().Count() < 2 ? double.NaN : ClassificationMetrics.RocAuc(sample.Select(i => score[i]).ToArray(), t);
    }

    /// <summary>The findings of the pairs mode: every F with both F:positive and F:negative prompts (or those of --label).</summary>
    private static List<string> Findings(ZeroShotOptions o, IReadOnlyList<PromptClass> prompts)
    {
        var labels = prompts.Select(p => p.Label).ToHashSet(StringComparer.Ordinal);
        foreach (var l in labels)
            if (!l.EndsWith(":positive", StringComparison.Ordinal) && !l.EndsWith(":negative", StringComparison.Ordinal))
                throw new FormatException($"{o.Prompts}: label '{l}' is not FINDING:positive or FINDING:negative (pairs mode)");
        var found = prompts.Select(p => p.Label[..p.Label.LastIndexOf(':')]).Distinct(StringComparer.Ordinal).ToList();
        foreach (var f in found)
            if (!labels.Contains(f + ":positive") || !labels.Contains(f + ":negative"))
                throw new FormatException($"{o.Prompts}: finding '{f}' needs both '{f}:positive' and '{f}:negative' prompts");
        if (string.IsNullOrWhiteSpace(o.Label)) return found;
        var wanted = o.Label.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var w in wanted)
            if (!found.Contains(w)) throw new ArgumentException($"--label '{w}': no '{w}:positive' / '{w}:negative' prompts in {o.Prompts}");
        return wanted;
    }

    private static int? Binary(ManifestRow row, string finding)
    {
        if (!row.Labels.TryGetValue(finding, out var v) || v is null) return null;
        v = v.Trim();
        if (PositiveValues.Contains(v, StringComparer.OrdinalIgnoreCase)) return 1;
        if (NegativeValues.Contains(v, StringComparer.OrdinalIgnoreCase)) return 0;
        return null;
    }

    /// <summary>Ensemble vectors of the classes, in their order.</summary>
    private static float[,] ClassVectors(IReadOnlyList<PromptClass> classes, LoadedEncoder encoder, Device device)
    {
        var texts = classes.SelectMany(c => c.Texts).ToList();
        var classOf = classes.SelectMany((c, i) => c.Texts.Select(_ => i)).ToList();
        using var scope = NewDisposeScope();
        var u = EmbeddingExtractor.Texts(encoder.Towers, encoder.Tokenizer!, texts, encoder.Config.Model.Text.MaxLength, device);
        return ZeroShotScores.ClassVectors(TensorMatrix.Float(u), classOf, classes.Count);
    }

    private static Dictionary<string, int> Counts(IReadOnlyList<PromptClass> prompts) => prompts.ToDictionary(p => p.Label, p => p.Texts.Count, StringComparer.Ordinal);

    private static DataSetInfo Info(ZeroShotOptions o, LabelledRows rows, ImageFeatureSet images) =>
        new(o.Data, rows.Split, images.Rows.Count, rows.NullLabelRows, images.Unreadable.Count);
}
