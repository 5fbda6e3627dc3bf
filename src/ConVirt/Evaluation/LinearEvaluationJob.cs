using ConVirt.Training;
using System.Globalization;
using ConVirt.Data;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// The paper's linear evaluation: a frozen encoder's features h_v are extracted once per manifest (deterministic
/// transform), then for every label fraction and run a <see cref="LogisticRegressionProbe"/> is fitted on a
/// stratified, patient-grouped subset of the training rows and scored on every test row.
/// </summary>
internal static class LinearEvaluationJob
{
    /// <summary>Result file name in the output folder.</summary>
    public const string JsonFileName = "linear.json";

    /// <summary>Markdown file name in the output folder.</summary>
    public const string MarkdownFileName = "linear.md";

    /// <summary>Runs the protocol; writes linear.json and linear.md to <see cref="LabelEfficiencyOptions.Out"/> when set.</summary>
    public static LabelEfficiencyResult Run(LabelEfficiencyOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var keys = LabelTask.ParseKeys(options.Label);
        var train = LabelledRows.Load(options.Train, options.TrainSplit, keys, options.LabelValues, LabelledRows.RootedAt(options.ImageRoot));
        var test = LabelledRows.Load(options.Test, options.TestSplit, keys, options.LabelValues, LabelledRows.RootedAt(options.ImageRoot));
        var task = LabelTask.Infer(keys, train, test);
        using var encoder = EncoderLoader.Load(options.Encoder, options.Seed, options.Device, options.Precision, options.Backend);
        var device = torch.device(options.Device);
        using var precision = encoder.Compute();   // frozen weights: one cast each for the whole job
        string? cache = options.Out is not null && options.CacheFeatures ? Path.Combine(options.Out, "features") : null;
        string identity = ImageFeatures.EncoderIdentity(options.Encoder, options.Seed);
        var trainFeatures = ImageFeatures.Extract(encoder, train.Rows, options.ImageSize, false, device, Path.GetFileName(options.Train), cache, identity, progress: progress);
        cancellationToken.ThrowIfCancellationRequested();
        var testFeatures = ImageFeatures.Extract(encoder, test.Rows, options.ImageSize, false, device, Path.GetFileName(options.Test), cache, identity, progress: progress);
        var fractions = Evaluate(trainFeatures.Features, trainFeatures.Rows, testFeatures.Features, testFeatures.Rows, task,
            options.Fractions, options.Runs, options.Seed, progress, cancellationToken, options.Probe);
        var settings = new Dictionary<string, string>
        {
            ["features"] = "h_v (frozen)",
            ["probe"] = "logistic regression, L-BFGS, standardised features",
            ["l2_grid"] = string.Join(" ", (options.Probe ?? new()).ResolvedL2Grid.Select(v => v.ToString("g", CultureInfo.InvariantCulture))),
            ["l2_selection"] = "validation log-loss on a stratified 20% of the labelled subset",
            ["runs"] = options.Runs.ToString(CultureInfo.InvariantCulture),
        };
        var result = new LabelEfficiencyResult("linear", EncoderInfo.Of(encoder), string.Join(",", keys), task.Describe(), task.Classes,
            Info(train, trainFeatures), Info(test, testFeatures), options.ImageSize, options.Seed, fractions, settings);
        if (options.Out is not null)
        {
            EvaluationJson.Write(Path.Combine(options.Out, JsonFileName), result);
            File.WriteAllText(Path.Combine(options.Out, MarkdownFileName), result.ToMarkdown());
        }
        return result;
    }

    /// <summary>
    /// The protocol on given features: for each fraction and run r (seed + r), a stratified subset of the training rows
    /// (whole patients when rows carry patient ids) trains a probe, which is scored on all test rows. Intervals are a
    /// bootstrap over runs, except at fraction 1, where they resample the test set (<see cref="TestSetBootstrap"/>).
    /// </summary>
    /// <param name="trainFeatures">[n_train, d] features of <paramref name="trainRows"/>.</param>
    /// <param name="trainRows">Training rows (labels, patient ids).</param>
    /// <param name="testFeatures">[n_test, d] features of <paramref name="testRows"/>.</param>
    /// <param name="testRows">Test rows.</param>
    /// <param name="task">What is predicted.</param>
    /// <param name="fractions">Label fractions in (0, 1].</param>
    /// <param name="runs">Runs per fraction.</param>
    /// <param name="seed">Base seed.</param>
    /// <param name="progress">One line per run.</param>
    /// <param name="cancellationToken">Checked between runs.</param>
    /// <param name="probeOptions">Probe settings (null: defaults); its seed is replaced by each run's.</param>
    public static IReadOnlyList<FractionScores> Evaluate(float[,] trainFeatures, IReadOnlyList<ManifestRow> trainRows, float[,] testFeatures,
        IReadOnlyList<ManifestRow> testRows, LabelTask task, IReadOnlyList<double> fractions, int runs, int seed,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default, LogisticRegressionProbeOptions? probeOptions = null)
    {
        if (trainFeatures.GetLength(0) != trainRows.Count) throw new ArgumentException($"{trainFeatures.GetLength(0)} training feature rows for {trainRows.Count} rows");
        if (testFeatures.GetLength(0) != testRows.Count) throw new ArgumentException($"{testFeatures.GetLength(0)} test feature rows for {testRows.Count} rows");
        var strata = task.Strata(trainRows);
        var patients = trainRows.Select(r => r.PatientId).ToList();
        int[]? testClasses = task.Kind == ProbeHeadKind.MultiLabel ? null : task.ClassIndices(testRows);
        int[,]? testTargets = task.Kind == ProbeHeadKind.MultiLabel ? task.Targets(testRows) : null;
        int[]? trainClasses = task.Kind == ProbeHeadKind.MultiLabel ? null : task.ClassIndices(trainRows);
        int[,]? trainTargets = task.Kind == ProbeHeadKind.MultiLabel ? task.Targets(trainRows) : null;

        using var scope = NewDisposeScope();
        var xTrain = tensor(trainFeatures);
        var xTest = tensor(testFeatures);
        var results = new List<FractionScores>();
        foreach (double fraction in fractions)
        {
            var scores = new List<RunScore>();
            var testProbabilities = new List<float[,]>();
            for (int run = 0; run < runs; run++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var runScope = NewDisposeScope();
                int runSeed = seed + run;
                var chosen = LabelFractionSampler.Stratified(strata, patients, fraction, runSeed);
                var x = xTrain.index_select(0, tensor(chosen.Select(i => (long)i).ToArray()));
                var probe = FitProbe(task, x, chosen, trainClasses, trainTargets, (probeOptions ?? new()) with { Seed = runSeed });
                var probabilities = ImageFeatures.ToMatrix(probe.PredictProba(xTest));
                var s = TaskScores.Compute(task, probabilities, testClasses, testTargets);
                if (fraction >= 1) testProbabilities.Add(probabilities);
                scores.Add(new RunScore(run, runSeed, chosen.Length, s.Auc, s.Accuracy, s.BalancedAccuracy, L2: probe.L2));
                progress?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"fraction {fraction:0.###} run {run + 1}/{runs}: {chosen.Length} labels, AUC {s.Auc:0.000}, accuracy {s.Accuracy:0.000}"));
            }
            var summary = FractionScores.Summarise(fraction, scores, seed);
            if (fraction >= 1)
            {
                // every run trains on the same rows (only the hold-out for λ differs): the runs' spread is no interval; resample the test set
                var (auc, accuracy, balanced) = TestSetBootstrap.Scores(task, testProbabilities, testClasses, testTargets, seed: seed);
                summary = summary with { Auc = auc, Accuracy = accuracy, BalancedAccuracy = balanced, Interval = IntervalSource.TestSet };
            }
            results.Add(summary);
        }
        return results;
    }

    static LogisticRegressionProbe FitProbe(LabelTask task, Tensor x, int[] chosen, int[]? classes, int[,]? targets, LogisticRegressionProbeOptions options)
    {
        // very small subsets cannot spare a validation split for every class: fit one moderate λ instead
        var fallback = options with { L2Grid = [0.1] };
        LogisticRegressionProbe Fit(LogisticRegressionProbeOptions o)
        {
            if (task.Kind == ProbeHeadKind.MultiLabel)
            {
                var sub = new int[chosen.Length, task.Keys.Count];
                for (int i = 0; i < chosen.Length; i++)
                    for (int k = 0; k < task.Keys.Count; k++) sub[i, k] = targets![chosen[i], k];
                return LogisticRegressionProbe.FitMultiLabel(x, sub, o);
            }
            return LogisticRegressionProbe.Fit(x, chosen.Select(i => classes![i]).ToArray(), task.Classes.Count, o);
        }
        if (chosen.Length < 10) return Fit(fallback);
        try
        {
            return Fit(options);
        }
        catch (ArgumentException)
        {
            return Fit(fallback);
        }
    }

    internal static DataSetInfo Info(LabelledRows rows, ImageFeatureSet features) =>
        new(rows.ManifestPath, rows.Split, features.Rows.Count, rows.NullLabelRows, features.Unreadable.Count);
}
