using ConVirt.Training;
using System.Diagnostics;
using System.Text.Json;
using ConVirt.Evaluation;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// The linear probe (issue 27, item 2): the previous probe (<see cref="ProbeBaseline"/>, its old tolerances), the current
/// <see cref="LogisticRegressionProbe"/> (defaults) and scikit-learn's lbfgs (<c>bench/sklearn/probe_sklearn.py</c>) on the
/// same cached ImageNet h_v of a manifest's train split, with the same grid, the same hold-out rows and the refit on all
/// rows, scored on the test split with the same metric code; the three alternate, each repetition timing one whole
/// protocol (standardise, grid on the hold-out, refit, test probabilities).
/// </summary>
internal static class ProbeBench
{
    /// <summary>The previous probe's settings (its defaults before issue 27).</summary>
    public static readonly LogisticRegressionProbeOptions Previous = new(MaxIterations: 300, GradientTolerance: 1e-8, LossTolerance: 1e-12);

    /// <summary>scikit-learn's max_iter: its default (some fits stop there) and enough to converge.</summary>
    static readonly int[] SklearnIterations = [100, 1000];

    public static Dictionary<string, object> Run(string repo, string manifest, string[] labels, string cacheFolder, int repeats, string scratch, Action<string> log)
    {
        var results = new Dictionary<string, object>();
        var encoder = EncoderLoader.Load("imagenet", 0);
        string identity = ImageFeatures.EncoderIdentity("imagenet", 0);
        foreach (var label in labels)
        {
            var (task, trainSet, testSet, yTrain, yTest) = Features(encoder, identity, manifest, label, cacheFolder);
            int classes = task.Classes.Count, d = trainSet.Features.GetLength(1);
            var options = new LogisticRegressionProbeOptions();
            var fitRows = LabelFractionSampler.Stratified(yTrain, null, 1 - options.ValidationFraction, options.Seed);
            var inFit = new HashSet<int>(fitRows);
            var validationRows = Enumerable.Range(0, yTrain.Length).Where(i => !inFit.Contains(i)).ToArray();
            string folder = Path.Combine(scratch, "probe-" + label);
            Directory.CreateDirectory(folder);
            WriteFloats(Path.Combine(folder, "train.f32"), trainSet.Features);
            WriteFloats(Path.Combine(folder, "test.f32"), testSet.Features);
            File.WriteAllText(Path.Combine(folder, "task.json"), JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["dimension"] = d, ["classes"] = classes, ["train_labels"] = yTrain, ["fit_rows"] = fitRows,
                ["validation_rows"] = validationRows, ["grid"] = options.ResolvedL2Grid,
            }));
            log($"  {label}: {task.Describe()}, {classes} classes, {yTrain.Length} train ({fitRows.Length} fit + {validationRows.Length} hold-out) / {yTest.Length} test rows, d = {d}; grid {string.Join(" ", options.ResolvedL2Grid)} (load {Machine.LoadAverage()})");

            var before = new List<double>();
            var after = new List<double>();
            var sklearn = SklearnIterations.ToDictionary(m => m, _ => new List<double>());
            var pSklearn = new Dictionary<int, float[,]>();
            var sklearnInfo = new Dictionary<int, (double L2, string Iterations)>();
            float[,]? pBefore = null, pAfter = null;
            double l2Before = 0, l2After = 0;
            int itBefore = 0, itAfter = 0, evaluationsAfter = 0;
            for (int r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    var x = tensor(trainSet.Features);
                    var probe = ProbeBaseline.Fit(x, yTrain, classes, Previous);
                    pBefore = TensorMatrix.Float(probe.PredictProba(tensor(testSet.Features)));
                    (l2Before, itBefore) = (probe.L2, probe.Iterations);
                }
                before.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                using (var scope = NewDisposeScope())
                {
                    var x = tensor(trainSet.Features);
                    var probe = LogisticRegressionProbe.Fit(x, yTrain, classes, options);
                    pAfter = TensorMatrix.Float(probe.PredictProba(tensor(testSet.Features)));
                    (l2After, itAfter, evaluationsAfter) = (probe.L2, probe.Iterations, probe.Evaluations);
                }
                after.Add(clock.Elapsed.TotalSeconds);
                foreach (int maxIter in SklearnIterations)
                {
                    if (RunSklearn(repo, folder, maxIter, out var why) is { } sk)
                    {
                        sklearn[maxIter].Add(sk.RootElement.GetProperty("seconds")[0].GetDouble());
                        sklearnInfo[maxIter] = (sk.RootElement.GetProperty("l2").GetDouble(), sk.RootElement.GetProperty("iterations").GetRawText());
                        pSklearn[maxIter] = ReadFloats(Path.Combine(folder, $"sklearn_proba-{maxIter}.f32"), yTest.Length, classes);
                    }
                    else log($"    scikit-learn (max_iter {maxIter}) skipped: {why}");
                }
            }
            WriteFloats(Path.Combine(folder, "current_proba.f32"), pAfter!);
            File.WriteAllText(Path.Combine(folder, "test_labels.json"), JsonSerializer.Serialize(yTest));
            var sBefore = TaskScores.Compute(task, pBefore!, yTest, null);
            var sAfter = TaskScores.Compute(task, pAfter!, yTest, null);
            var entry = new Dictionary<string, object>
            {
                ["classes"] = classes, ["train_rows"] = yTrain.Length, ["test_rows"] = yTest.Length,
                ["previous_s"] = Stats.Of(before), ["current_s"] = Stats.Of(after),
                ["previous"] = new { l2 = l2Before, final_iterations = itBefore, auc = sBefore.Auc, accuracy = sBefore.Accuracy },
                ["current"] = new { l2 = l2After, final_iterations = itAfter, evaluations = evaluationsAfter, auc = sAfter.Auc, accuracy = sAfter.Accuracy },
                ["max_abs_probability_difference_current_vs_previous"] = MaxDifference(pAfter!, pBefore!),
            };
            log($"    previous probe: {Stats.Of(before).Show("F2", " s")}, λ {l2Before:g}, final fit {itBefore} iterations, AUC {sBefore.Auc:F4}, accuracy {sBefore.Accuracy:F4}");
            log($"    current probe:  {Stats.Of(after).Show("F2", " s")}, λ {l2After:g}, final fit {itAfter} iterations ({evaluationsAfter} objective evaluations in all), AUC {sAfter.Auc:F4}, accuracy {sAfter.Accuracy:F4}; max |Δp| vs previous {MaxDifference(pAfter!, pBefore!):E2}");
            entry["ratio_previous_over_current"] = Stats.Of(before).Median / Stats.Of(after).Median;
            foreach (var (maxIter, p) in pSklearn)
            {
                var sSk = TaskScores.Compute(task, p, yTest, null);
                var stats = Stats.Of(sklearn[maxIter]);
                entry[$"sklearn_max_iter_{maxIter}_s"] = stats;
                entry[$"sklearn_max_iter_{maxIter}"] = new
                {
                    l2 = sklearnInfo[maxIter].L2, iterations = sklearnInfo[maxIter].Iterations, auc = sSk.Auc, accuracy = sSk.Accuracy,
                    max_abs_probability_difference_vs_current = MaxDifference(pAfter!, p), ratio_sklearn_over_current = stats.Median / Stats.Of(after).Median,
                };
                log($"    scikit-learn, max_iter {maxIter}: {stats.Show("F2", " s")}, λ {sklearnInfo[maxIter].L2:g}, iterations per fit {sklearnInfo[maxIter].Iterations}, AUC {sSk.Auc:F4}, accuracy {sSk.Accuracy:F4}; max |Δp| vs current {MaxDifference(pAfter!, p):E2}; current is {stats.Median / Stats.Of(after).Median:F2}x its speed");
            }
            log($"    current / previous {Stats.Of(before).Median / Stats.Of(after).Median:F2}x (load {Machine.LoadAverage()})");
            results[label] = entry;
        }
        return results;
    }

    /// <summary>The label task of <paramref name="label"/> on the manifest's train and test splits, with the encoder's
    /// cached 224-px features and class indices of both.</summary>
    static (LabelTask Task, ImageFeatureSet TrainSet, ImageFeatureSet TestSet, int[] YTrain, int[] YTest) Features(
        LoadedEncoder encoder, string identity, string manifest, string label, string cacheFolder)
    {
        var keys = LabelTask.ParseKeys(label);
        var train = LabelledRows.Load(manifest, "train", keys);
        var test = LabelledRows.Load(manifest, "test", keys);
        var task = LabelTask.Infer(keys, train, test);
        var trainSet = ImageFeatures.Extract(encoder, train.Rows, 224, false, CPU, "medpix-train", cacheFolder, identity);
        var testSet = ImageFeatures.Extract(encoder, test.Rows, 224, false, CPU, "medpix-test", cacheFolder, identity);
        return (task, trainSet, testSet, task.ClassIndices(trainSet.Rows), task.ClassIndices(testSet.Rows));
    }

    /// <summary>
    /// How the tolerances change time and results: the current probe at several (gradient, loss) tolerances on the same
    /// features, each against the previous settings' probabilities (a probe run for choosing the defaults, not a figure).
    /// </summary>
    public static void Sweep(string manifest, string label, string cacheFolder, (double Gradient, double Loss, int MaxIterations)[] settings, Action<string> log)
    {
        var encoder = EncoderLoader.Load("imagenet", 0);
        string identity = ImageFeatures.EncoderIdentity("imagenet", 0);
        var (task, trainSet, testSet, yTrain, yTest) = Features(encoder, identity, manifest, label, cacheFolder);
        float[,]? reference = null;
        foreach (var (gradient, loss, maxIterations) in new[] { (Previous.GradientTolerance, Previous.LossTolerance, Previous.MaxIterations) }.Concat(settings))
        {
            var options = new LogisticRegressionProbeOptions(GradientTolerance: gradient, LossTolerance: loss, MaxIterations: maxIterations);
            var clock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            var probe = LogisticRegressionProbe.Fit(tensor(trainSet.Features), yTrain, task.Classes.Count, options);
            var p = TensorMatrix.Float(probe.PredictProba(tensor(testSet.Features)));
            double seconds = clock.Elapsed.TotalSeconds;
            reference ??= p;
            var s = TaskScores.Compute(task, p, yTest, null);
            log($"    {label} gtol {gradient:g} ltol {loss:g} max {maxIterations}: {seconds:F2} s, λ {probe.L2:g}, final fit {probe.Iterations} iterations (converged {probe.Converged}), AUC {s.Auc:F4}, accuracy {s.Accuracy:F4}, max |Δp| vs previous {MaxDifference(p, reference):E2}");
        }
    }

    /// <summary>The current probe alone (defaults unless given), timed: seconds, objective evaluations and seconds per evaluation (a probe run, not a figure).</summary>
    public static void Time(string manifest, string label, string cacheFolder, int repeats, Action<string> log, LogisticRegressionProbeOptions? options = null)
    {
        var encoder = EncoderLoader.Load("imagenet", 0);
        string identity = ImageFeatures.EncoderIdentity("imagenet", 0);
        var (task, trainSet, testSet, yTrain, yTest) = Features(encoder, identity, manifest, label, cacheFolder);
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            var probe = LogisticRegressionProbe.Fit(tensor(trainSet.Features), yTrain, task.Classes.Count, options ?? new());
            var p = TensorMatrix.Float(probe.PredictProba(tensor(testSet.Features)));
            double seconds = clock.Elapsed.TotalSeconds;
            var sc = TaskScores.Compute(task, p, yTest, null);
            log($"    {label}: {seconds:F2} s, {probe.Evaluations} evaluations ({1000 * seconds / probe.Evaluations:F2} ms each), λ {probe.L2:g}, grid fits {string.Join(" ", probe.Selection.Select(x => $"{x.L2:g}:{x.Iterations}:{x.ValidationLoss:F4}"))}, final fit {probe.Iterations} iterations, {probe.TrainedClasses.Count} of {task.Classes.Count} classes trained, AUC {sc.Auc:F4}, accuracy {sc.Accuracy:F4} (load {Machine.LoadAverage()})");
        }
    }

    static JsonDocument? RunSklearn(string repo, string folder, int maxIter, out string why)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [Path.Combine(repo, "bench", "sklearn", "probe_sklearn.py"), folder, "1", maxIter.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        };
        try
        {
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) { why = $"exit {process.ExitCode}: {stderr.Trim().Split('\n').LastOrDefault()}"; return null; }
        }
        catch (System.ComponentModel.Win32Exception e) { why = e.Message; return null; }
        why = "";
        return JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, $"sklearn-{maxIter}.json")));
    }

    static void WriteFloats(string path, float[,] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    static float[,] ReadFloats(string path, int rows, int columns)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != rows * columns * sizeof(float)) throw new InvalidDataException($"{path}: {bytes.Length} bytes, expected [{rows}, {columns}] float32");
        var values = new float[rows, columns];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    static double MaxDifference(float[,] a, float[,] b)
    {
        double max = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) max = Math.Max(max, Math.Abs(a[i, j] - b[i, j]));
        return max;
    }
}

/// <summary>What one objective evaluation of the probe costs, by part, at 1 and 2 libtorch threads (a probe run, not a figure).</summary>
internal static class ProbeEvalProbe
{
    public static void Run(Action<string> log)
    {
        int n = 1322, d = 513, k = 15, reps = 300, configured = get_num_threads();
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
            foreach (int threads in new[] { 1, 2 })
            {
                set_num_threads(threads);
                using var scope = NewDisposeScope();
                var x = randn(n, d, dtype);
                var theta = randn(d, k, dtype) * 0.01;
                var y = zeros(n, k, dtype);
                double T(Func<Tensor> f)
                {
                    for (int i = 0; i < 20; i++) using (NewDisposeScope()) f();
                    var c = Stopwatch.StartNew();
                    for (int i = 0; i < reps; i++) using (NewDisposeScope()) { var r = f(); r.sum().to_type(ScalarType.Float64).item<double>(); }
                    return c.Elapsed.TotalMilliseconds / reps;
                }
                double mm = T(() => x.mm(theta));
                double mmT = T(() => x.t().mm(y));
                var xt = x.t().contiguous();
                double mmT2 = T(() => xt.mm(y));
                double soft = T(() => { var l = x.mm(theta); var z = l.logsumexp(1, keepdim: true); return (l - z).exp() - y; });
                double param = T(() => tensor(new double[d * k], [d, k]).to_type(dtype));
                log($"    {dtype} threads {threads}: x·θ {mm:F3} ms, xᵀ·r {mmT:F3} ms (xᵀ contiguous {mmT2:F3} ms), logits+softmax {soft:F3} ms, parameters to tensor {param:F3} ms");
            }
        set_num_threads(configured);
    }
}
