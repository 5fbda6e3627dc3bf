using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Synthetic;
using ConVirt.Data.Text;
using ConVirt.Evaluation;
using ConVirt.Models;
using ConVirt.Precision;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Training;

/// <summary>
/// `convirt demo`: writes a synthetic paired set (chest-radiograph-like images with findings and reports
/// written from the same findings), measures text-to-image retrieval precision@k with the initial model,
/// pretrains ConVIRT on the training split, and measures it again with the best checkpoint.
/// </summary>
public static class DemoJob
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

        double[] Measure()
        {
            var device = torch.device(config.Device);
            using var region = Autocast.Enter(PrecisionPolicy.Create(config.Precision, config.Device));
            using var v = EmbeddingExtractor.Images(model.ImageEncoder, model.ImageProjection, candidates, device);
            using var u = EmbeddingExtractor.Texts(model, tokenizer, queries.Select(q => q.Text).ToList(), config.Model.Text.MaxLength, device);
            return RetrievalMetrics.PrecisionAtK(u, v, queryLabels, candidateLabels, o.Ks);
        }

        var before = Measure();
        progress?.Report(Message($"text-to-image precision@{string.Join("/", o.Ks)} before pretraining: {string.Join(" / ", before.Select(p => p.ToString("F3")))} (chance {chance:F3})"));
        var trainer = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, runDir) { Progress = progress };
        var result = trainer.Run(resume: false, cancellation);
        var best = Path.Combine(runDir, "best", "model.safetensors");
        if (File.Exists(best)) model.load_safetensors(best);
        var after = Measure();
        return new DemoResult(o.Ks, before, after, chance, result, runDir, dataDir);
    }

    private static string Finding(ManifestRow row) => row.Labels.TryGetValue("finding", out var f) && f is not null ? f : "unknown";

    private static TrainingProgress Message(string text) => new("message", 0, 0, 0, 0, 0, double.NaN, 0, null, text);
}
