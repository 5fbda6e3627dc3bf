using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Synthetic;
using ConVirt.Data.Text;
using ConVirt.Evaluation;
using ConVirt.Evaluation.ZeroShot;
using ConVirt.Models;
using ConVirt.Precision;
using ConVirt.Training;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Demo;

/// <summary>
/// `convirt demo`: writes a synthetic paired set (chest-radiograph-like images with findings and reports
/// written from the same findings), measures text-to-image retrieval precision@k with the initial model,
/// pretrains ConVIRT on the training split, and measures it again with the best checkpoint.
/// </summary>
internal static class DemoJob
{
    /// <summary>The configuration the demo trains with.</summary>
    public static ConVirtConfig Config(DemoOptions o)
    {
        var small = ConVirtConfig.CpuSmall;
        return small with
        {
            Name = "demo",
            Precision = o.Precision,
            Seed = o.Seed,
            Model = small.Model with
            {
                Image = small.Model.Image with { Weights = o.ImageWeights },
                Text = small.Model.Text with { Weights = o.TextWeights, MaxLength = 64 },
            },
            Optimizer = small.Optimizer with { BatchSize = o.BatchSize, Epochs = o.Epochs, LearningRate = o.LearningRate },
            // milder crop and rotation than the paper's: the synthetic findings sit at the lung bases and edges,
            // which a 0.6 crop often cuts away while the report still names them
            Data = small.Data with { ImageSize = o.ImageSize, Augmentation = small.Data.Augmentation with { CropRatioMin = 0.85, RotationDegrees = 10 } },
            LogEverySteps = 5,
            CheckpointEverySteps = 1000,
        };
    }

    /// <summary>Runs the demo; <paramref name="config"/> replaces <see cref="Config"/> (tests train a tiny model).</summary>
    public static DemoResult Run(DemoOptions o, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default, ConVirtConfig? config = null)
    {
        // one demo per output folder: a second one would rewrite the data and the run under the first
        using var folderLock = Runtime.FolderLock.Acquire(o.OutputDirectory, "demo");
        var dataDir = Path.Combine(o.OutputDirectory, "data");
        var runDir = Path.Combine(o.OutputDirectory, "run");
        var manifest = Path.Combine(dataDir, "manifest.jsonl");
        var stamp = Path.Combine(dataDir, "generated.txt");
        var stampText = $"cases={o.Cases} size={o.GeneratedSize} seed={o.Seed} concise={o.ConciseReports}";
        if (!File.Exists(stamp) || File.ReadAllText(stamp) != stampText)
        {
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, true);
            progress?.Report(Message($"generating {o.Cases} synthetic image-report pairs ({o.GeneratedSize} px) in {dataDir}"));
            SyntheticDataset.Write(dataDir, o.Cases, o.GeneratedSize, o.Seed, conciseReports: o.ConciseReports);
            File.WriteAllText(stamp, stampText);
        }
        config ??= Config(o);
        var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(manifest), progress);
        var model = ((ConVirtObjective)prepared.Objective).Model;
        var tokenizer = prepared.Tokenizer!;

        // candidates: the test split, evaluation transform; queries: the class descriptions
        var rows = Manifest.Load(manifest).Rows.Where(r => r.Split == "test").ToList();
        var candidates = PairedBatchSource.Create(rows, null, new PairedSourceOptions
        {
            BatchSize = 64, ImageSize = o.ImageSize, WithText = false, Shuffle = false, Seed = o.Seed, MinBatch = 1,
        }, "manifest.jsonl");
        var queries = TextQuery.Load(Path.Combine(dataDir, "queries.jsonl"));
        var labelNames = queries.Select(q => q.Label).Concat(candidates.Examples.Select(e => Finding(e.Row))).Distinct().Order(StringComparer.Ordinal).ToList();
        int[] candidateLabels = candidates.Examples.Select(e => labelNames.IndexOf(Finding(e.Row))).ToArray();
        int[] queryLabels = queries.Select(q => labelNames.IndexOf(q.Label)).ToArray();
        double chance = queryLabels.Average(q => candidateLabels.Count(c => c == q) / (double)candidateLabels.Length);

        // zero-shot: the same class descriptions as prompt ensembles, each test image classified among the query labels
        var promptLabels = queryLabels.Distinct().Order().ToArray();
        int[] promptClass = queryLabels.Select(l => Array.IndexOf(promptLabels, l)).ToArray();
        int[] zeroShotItems = Enumerable.Range(0, candidateLabels.Length).Where(i => promptLabels.Contains(candidateLabels[i])).ToArray();
        double zeroShotChance = 1.0 / promptLabels.Length;

        (double[] Precision, double ZeroShot) Measure()
        {
            var device = torch.device(config.Device);
            using var region = Autocast.Enter(PrecisionPolicy.Create(config.Precision, config.Device));
            using var v = EmbeddingExtractor.Images(new Inference.LibTorchTowers(model.ImageEncoder, model), projected: true, candidates, device);
            using var u = EmbeddingExtractor.Texts(model, tokenizer, queries.Select(q => q.Text).ToList(), config.Model.Text.MaxLength, device);
            var precision = RetrievalMetrics.PrecisionAtK(u, v, queryLabels, candidateLabels, o.Ks);
            var p = ZeroShotScores.Probabilities(TensorMatrix.Float(v), ZeroShotScores.ClassVectors(TensorMatrix.Float(u), promptClass, promptLabels.Length),
                config.Loss.Temperature);
            double correct = zeroShotItems.Count(i => promptLabels[Enumerable.Range(0, promptLabels.Length).MaxBy(c => p[i, c])] == candidateLabels[i]);
            return (precision, correct / zeroShotItems.Length);
        }

        var (before, zeroShotBefore) = Measure();
        progress?.Report(Message($"text-to-image precision@{string.Join("/", o.Ks)} before pretraining: {string.Join(" / ", before.Select(p => p.ToString("F3")))} (chance {chance:F3})"));
        progress?.Report(Message($"zero-shot accuracy before pretraining: {zeroShotBefore:F3} over {promptLabels.Length} classes (chance {zeroShotChance:F3})"));
        var trainer = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, runDir) { Progress = progress };
        var result = trainer.Run(resume: false, cancellation);
        var best = Path.Combine(runDir, "best", "model.safetensors");
        if (File.Exists(best)) model.load_safetensors(best);
        var (after, zeroShotAfter) = Measure();
        var maps = GroundingExamples(rows, queries, runDir, Path.Combine(o.OutputDirectory, "grounding"), o.ImageSize);
        return new DemoResult(o.Ks, before, after, chance, result, runDir, dataDir, zeroShotBefore, zeroShotAfter, zeroShotChance, maps);
    }

    /// <summary>Grounding maps of the first four abnormal test images, each with its class's first description.</summary>
    private static IReadOnlyList<string> GroundingExamples(IReadOnlyList<ManifestRow> rows, IReadOnlyList<TextQuery> queries, string runDir, string folder, int imageSize)
    {
        var picked = rows.Where(r => Finding(r) != Findings.NormalLabel && queries.Any(q => q.Label == Finding(r))).Take(4).ToList();
        var written = new List<string>();
        foreach (var row in picked)
        {
            var phrase = queries.First(q => q.Label == Finding(row)).Text;
            written.AddRange(Evaluation.Grounding.GroundingJob.Run(runDir, [row.ImagePath], [phrase], Path.Combine(folder, row.Id + ".png"), imageSize).Select(g => g.Png));
        }
        return written;
    }

    private static string Finding(ManifestRow row) => row.Labels.TryGetValue("finding", out var f) && f is not null ? f : "unknown";

    private static TrainingProgress Message(string text) => TrainingProgress.Note(text);
}
