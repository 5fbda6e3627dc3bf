using ConVirt.Data.Prepared;
using System.Globalization;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Training;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// Fine-tuning evaluation: for every label fraction and run, the whole image encoder and a linear head are trained
/// (Adam, small learning rate, augmented views) on a stratified, patient-grouped subset of the training rows, with
/// early stopping on validation loss; the best epoch's weights are scored on every test row.
/// </summary>
internal static class FineTuneJob
{
    /// <summary>Result file name in the output folder.</summary>
    public const string JsonFileName = "finetune.json";

    /// <summary>Markdown file name in the output folder.</summary>
    public const string MarkdownFileName = "finetune.md";

    /// <summary>Runs the protocol; writes finetune.json and finetune.md to <see cref="LabelEfficiencyOptions.Out"/> when set.</summary>
    public static LabelEfficiencyResult Run(LabelEfficiencyOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var keys = LabelTask.ParseKeys(options.Label);
        var train = LabelledRows.Load(options.Train, options.TrainSplit, keys, options.LabelValues, LabelledRows.RootedAt(options.ImageRoot));
        var test = LabelledRows.Load(options.Test, options.TestSplit, keys, options.LabelValues, LabelledRows.RootedAt(options.ImageRoot));
        bool sameFile = Path.GetFullPath(options.Train) == Path.GetFullPath(options.Test);
        bool hasValSplit = !(sameFile && options.ValSplit == options.TestSplit) && options.ValSplit != options.TrainSplit
                           && DataSets.Load(options.Train, LabelledRows.RootedAt(options.ImageRoot)).Rows.Any(r => r.Split == options.ValSplit);
        LabelledRows validation;
        IReadOnlyList<ManifestRow> pool;
        string validationSource;
        if (hasValSplit)
        {
            validation = LabelledRows.Load(options.Train, options.ValSplit, keys, options.LabelValues, LabelledRows.RootedAt(options.ImageRoot));
            pool = train.Rows;
            validationSource = $"split {options.ValSplit}";
        }
        else
        {
            var provisional = LabelTask.Infer(keys, train, test);
            var held = LabelFractionSampler.Stratified(provisional.Strata(train.Rows), train.Rows.Select(r => r.PatientId).ToList(), options.ValidationFraction, options.Seed);
            var isHeld = new bool[train.Rows.Count];
            foreach (int i in held) isHeld[i] = true;
            validation = train with { Rows = held.Select(i => train.Rows[i]).ToList(), NullLabelRows = 0 };
            pool = train.Rows.Where((_, i) => !isHeld[i]).ToList();
            validationSource = string.Create(CultureInfo.InvariantCulture, $"{options.ValidationFraction:P0} of the training rows (by patient, stratified), held out");
        }
        var task = LabelTask.Infer(keys, train, test, validation);
        var device = torch.device(options.Device);
        var evalOptions = new PairedSourceOptions { WithText = false, Augmentation = null, Shuffle = false, ImageSize = options.ImageSize, BatchSize = 64, MinBatch = 1 };
        progress?.Report($"decoding {validation.Rows.Count} validation and {test.Rows.Count} test images");
        var validationSet = EvaluationSource(validation.Rows, evalOptions, Path.GetFileName(options.Train));
        var testSet = EvaluationSource(test.Rows, evalOptions, Path.GetFileName(options.Test));
        var poolStrata = task.Strata(pool);
        var poolPatients = pool.Select(r => r.PatientId).ToList();
        EncoderInfo? info = null;
        var results = new List<FractionScores>();
        foreach (double fraction in options.Fractions)
        {
            var scores = new List<RunScore>();
            for (int run = 0; run < options.Runs; run++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int runSeed = options.Seed + run;
                var chosen = LabelFractionSampler.Stratified(poolStrata, poolPatients, fraction, runSeed);
                var encoder = EncoderLoader.Load(options.Encoder, options.Seed);
                info ??= EncoderInfo.Of(encoder);
                var augmentation = options.Augment ? encoder.Config.Data.Augmentation : null;
                var trainSource = PairedBatchSource.Create(chosen.Select(i => pool[i]).ToList(), null, new PairedSourceOptions
                {
                    WithText = false, Augmentation = augmentation, Shuffle = true, ImageSize = options.ImageSize,
                    BatchSize = Math.Max(2, Math.Min(options.BatchSize, chosen.Length)), Seed = runSeed,
                }, Path.GetFileName(options.Train));
                var (score, epochs, best) = TrainOne(encoder, task, trainSource, validationSet, testSet, options, runSeed, device, progress,
                    $"fraction {fraction.ToString("0.###", CultureInfo.InvariantCulture)} run {run + 1}/{options.Runs}", cancellationToken);
                scores.Add(new RunScore(run, runSeed, trainSource.Examples.Count, score.Auc, score.Accuracy, score.BalancedAccuracy, Epochs: epochs, BestEpoch: best));
                progress?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"fraction {fraction:0.###} run {run + 1}/{options.Runs}: {trainSource.Examples.Count} labels, {epochs} epochs (best {best}), AUC {score.Auc:0.000}"));
            }
            results.Add(FractionScores.Summarise(fraction, scores, options.Seed));
        }
        var settings = new Dictionary<string, string>
        {
            ["trained"] = "whole image encoder + linear head",
            ["optimizer"] = string.Create(CultureInfo.InvariantCulture, $"Adam lr {options.LearningRate:g}"),
            ["batch_size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["max_epochs"] = options.MaxEpochs.ToString(CultureInfo.InvariantCulture),
            ["patience"] = options.Patience.ToString(CultureInfo.InvariantCulture),
            ["augmentation"] = options.Augment ? "encoder configuration's" : "none",
            ["early_stopping"] = "validation loss; " + validationSource,
            ["runs"] = options.Runs.ToString(CultureInfo.InvariantCulture),
        };
        var result = new LabelEfficiencyResult("finetune", info!, string.Join(",", keys), task.Describe(), task.Classes,
            new DataSetInfo(train.ManifestPath, train.Split, pool.Count, train.NullLabelRows, 0),
            new DataSetInfo(test.ManifestPath, test.Split, testSet.Examples.Count, test.NullLabelRows, testSet.Skipped.Count),
            options.ImageSize, options.Seed, results, settings,
            new DataSetInfo(validation.ManifestPath, validation.Split, validationSet.Examples.Count, validation.NullLabelRows, validationSet.Skipped.Count));
        if (options.Out is not null)
        {
            EvaluationJson.Write(Path.Combine(options.Out, JsonFileName), result);
            File.WriteAllText(Path.Combine(options.Out, MarkdownFileName), result.ToMarkdown());
        }
        return result;
    }

    /// <summary>Trains one classifier with early stopping; returns test scores, epochs trained and the best epoch.</summary>
    static (TaskScores Scores, int Epochs, int BestEpoch) TrainOne(LoadedEncoder encoder, LabelTask task, PairedBatchSource train,
        PairedBatchSource validation, PairedBatchSource test, LabelEfficiencyOptions options, int seed, Device device,
        IProgress<string>? progress, string what, CancellationToken cancellationToken)
    {
        torch.manual_seed(seed);
        var precision = PrecisionPolicy.Create(options.Precision, options.Device);
        int outputs = task.Kind == ProbeHeadKind.MultiLabel ? task.Keys.Count : task.Classes.Count;
        using var model = new FineTuneClassifier(encoder.Image, outputs);
        model.to(device);
        foreach (var p in model.parameters()) p.requires_grad = true;
        using var optimizer = torch.optim.Adam(model.parameters(), options.LearningRate);
        var (trainClasses, trainTargets) = Labels(task, train);
        Dictionary<string, Tensor>? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = 0, epoch = 0;
        try
        {
            for (epoch = 1; epoch <= options.MaxEpochs; epoch++)
            {
                model.train();
                for (int b = 0; b < train.BatchCount(epoch); b++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var step = torch.NewDisposeScope();
                    var batch = train.Build(epoch, b);
                    optimizer.zero_grad();
                    using (Autocast.Enter(precision))   // per step: the weight casts are stale once the optimiser steps
                    {
                        var logits = model.call(BatchTensors.Images(batch.Images, batch.Count, batch.Size, device));
                        Loss(task, logits, batch.Rows, trainClasses, trainTargets, device).backward();
                    }
                    optimizer.step();
                }
                var (valLoss, _) = Predict(model, task, validation, device, precision);
                progress?.Report(string.Create(CultureInfo.InvariantCulture, $"{what}: epoch {epoch}, validation loss {valLoss:0.0000}"));
                if (valLoss < bestLoss)
                {
                    bestLoss = valLoss;
                    bestEpoch = epoch;
                    if (best is not null) foreach (var t in best.Values) t.Dispose();
                    best = Snapshot(model);
                }
                else if (epoch - bestEpoch >= options.Patience) break;
            }
            int trained = Math.Min(epoch, options.MaxEpochs);
            if (best is not null) model.load_state_dict(best);
            var (_, probabilities) = Predict(model, task, test, device, precision);
            var (testClasses, testTargets) = Labels(task, test);
            return (TaskScores.Compute(task, probabilities, testClasses, testTargets), trained, bestEpoch);
        }
        finally
        {
            if (best is not null) foreach (var t in best.Values) t.Dispose();
        }
    }

    static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var _ = torch.no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    static Tensor Loss(LabelTask task, Tensor logits, int[] rows, int[]? classes, int[,]? targets, Device device)
    {
        if (task.Kind == ProbeHeadKind.MultiLabel)
        {
            var flat = new float[rows.Length * task.Keys.Count];
            for (int i = 0; i < rows.Length; i++)
                for (int k = 0; k < task.Keys.Count; k++) flat[i * task.Keys.Count + k] = targets![rows[i], k];
            return nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor(flat, [rows.Length, task.Keys.Count], device: device));
        }
        return nn.functional.cross_entropy(logits, torch.tensor(rows.Select(r => (long)classes![r]).ToArray(), device: device));
    }

    /// <summary>Mean loss and probabilities [n, outputs] (in example order) of an evaluation source, in eval mode without gradients.</summary>
    static (double Loss, float[,] Probabilities) Predict(FineTuneClassifier model, LabelTask task, PairedBatchSource source, Device device, PrecisionPolicy precision)
    {
        model.eval();
        using var _ = torch.no_grad();
        using var region = Autocast.Enter(precision);
        using var scope = torch.NewDisposeScope();
        var (classes, targets) = Labels(task, source);
        int n = source.Examples.Count;
        float[,]? probabilities = null;
        double lossSum = 0;
        int seen = 0;
        for (int b = 0; b < source.BatchCount(0); b++)
        {
            using var step = torch.NewDisposeScope();
            var batch = source.Build(0, b);
            var logits = model.call(BatchTensors.Images(batch.Images, batch.Count, batch.Size, device));
            lossSum += Loss(task, logits, batch.Rows, classes, targets, device).item<float>() * batch.Count;
            seen += batch.Count;
            var p = ImageFeatures.ToMatrix(task.Kind == ProbeHeadKind.MultiLabel ? logits.sigmoid() : logits.softmax(1));
            probabilities ??= new float[n, p.GetLength(1)];
            for (int i = 0; i < batch.Count; i++)
                for (int c = 0; c < p.GetLength(1); c++) probabilities[batch.Rows[i], c] = p[i, c];
        }
        if (seen != n) throw new InvalidOperationException($"evaluated {seen} of {n} examples");
        return (lossSum / n, probabilities!);
    }

    static (int[]? Classes, int[,]? Targets) Labels(LabelTask task, PairedBatchSource source)
    {
        var rows = source.Examples.Select(e => e.Row).ToList();
        return task.Kind == ProbeHeadKind.MultiLabel ? (null, task.Targets(rows)) : (task.ClassIndices(rows), null);
    }

    /// <summary>A deterministic evaluation source whose batches cover every example (options with MinBatch 1).</summary>
    internal static PairedBatchSource EvaluationSource(IReadOnlyList<ManifestRow> rows, PairedSourceOptions options, string name)
    {
        var source = PairedBatchSource.Create(rows, null, options with { MinBatch = 1 }, name);
        int n = source.Examples.Count;
        if (n < 2) throw new ArgumentException($"{name}: {n} readable image(s); at least 2 are needed");
        return source;
    }
}
