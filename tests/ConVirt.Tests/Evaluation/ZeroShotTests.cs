using ConVirt.Training;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using ConVirt.Evaluation.ZeroShot;
using ConVirt.Interop;
using ConVirt.Models;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Tests.Evaluation;

/// <summary>Zero-shot arithmetic against hand-computed values, the prompts file, the patient bootstrap, and the job's wiring.</summary>
[Collection(TorchCollection.Name)]
public sealed class ZeroShotTests
{
    [Fact]
    public void AnEnsembleIsTheRenormalisedMeanOfNormalisedPrompts()
    {
        // class 0: [2, 0] and [0, 1]: normalised [1, 0], [0, 1], mean [0.5, 0.5], renormalised [0.7071, 0.7071]
        // (the raw mean [1, 0.5] would give [0.894, 0.447]); class 1: [0, -3] alone -> [0, -1]
        var prompts = new float[,] { { 2, 0 }, { 0, 1 }, { 0, -3 } };
        var c = ZeroShotScores.ClassVectors(prompts, [0, 0, 1], 2);
        Assert.Equal(Math.Sqrt(0.5), c[0, 0], 6);
        Assert.Equal(Math.Sqrt(0.5), c[0, 1], 6);
        Assert.Equal(0, c[1, 0], 6);
        Assert.Equal(-1, c[1, 1], 6);
        Assert.Throws<ArgumentException>(() => ZeroShotScores.ClassVectors(prompts, [0, 0, 0], 2));   // class 1 without prompt
    }

    [Fact]
    public void ProbabilitiesAreTheSoftmaxOfCosinesOverTemperature()
    {
        var images = new float[,] { { 3, 0 }, { 1, 1 } };
        var classes = new float[,] { { 1, 0 }, { 0, 1 } };
        var p = ZeroShotScores.Probabilities(images, classes, 0.5);
        // image 0: cosines 1, 0 -> logits 2, 0 -> e^2 / (e^2 + 1)
        Assert.Equal(Math.Exp(2) / (Math.Exp(2) + 1), p[0, 0], 12);
        Assert.Equal(1 / (Math.Exp(2) + 1), p[0, 1], 12);
        // image 1: equal cosines -> 0.5 each
        Assert.Equal(0.5, p[1, 0], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => ZeroShotScores.Probabilities(images, classes, 0));
    }

    [Fact]
    public void TheBootstrapResamplesPatientsWhole()
    {
        // patient A has items 0, 1, 2; B has 3; item 4 has no patient (its own group)
        string?[] groups = ["A", "A", "A", "B", null];
        var seen = new List<int[]>();
        var interval = GroupBootstrap.Interval(groups, s => { seen.Add(s); return s.Count(i => i < 3) / (double)s.Length; }, resamples: 200, seed: 3);
        Assert.Equal(3 / 5.0, interval.Mean, 12);               // the point estimate uses every item once
        Assert.Equal([0, 1, 2, 3, 4], seen[0]);
        foreach (var s in seen.Skip(1))
        {
            int a = s.Count(i => i < 3);
            Assert.Equal(0, a % 3);                            // A's items come together
            Assert.Equal(3, a / 3 + s.Count(i => i >= 3));     // three groups drawn (A, B or the patient-less item)
        }
        Assert.InRange(interval.Low, 0, interval.Mean);
        Assert.InRange(interval.High, interval.Mean, 1);
    }

    [Fact]
    public void PromptsGroupByLabelAndABadLineIsNamed()
    {
        var dir = Pipeline.TinyRuns.TempFolder("prompts");
        var path = Path.Combine(dir, "p.jsonl");
        File.WriteAllText(path, "{\"label\": \"viral\", \"text\": \"patchy bilateral opacities\"}\n\n{\"label\": \"normal\", \"text\": \"clear lungs\"}\n{\"label\": \"viral\", \"text\": \"interstitial pattern\"}\n");
        var set = PromptSet.Load(path);
        Assert.Equal(["viral", "normal"], set.Select(c => c.Label));
        Assert.Equal(["patchy bilateral opacities", "interstitial pattern"], set[0].Texts);
        File.AppendAllText(path, "{\"label\": \"normal\"}\n");
        var e = Assert.Throws<FormatException>(() => PromptSet.Load(path));
        Assert.Equal($"{path}:5: field 'text' is missing or not a non-empty string", e.Message);
    }

    [Fact]
    public void TheJobScoresEqualTheArithmeticOnTheModelsOwnEmbeddings()
    {
        var dir = Pipeline.TinyRuns.TempFolder("zeroshot");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 40, 32, seed: 21);
        var (run, model, tokenizer) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var prompts = Path.Combine(dir, "prompts.jsonl");
        File.WriteAllLines(prompts, [
            "{\"label\": \"effusion:positive\", \"text\": \"small left pleural effusion\"}",
            "{\"label\": \"effusion:positive\", \"text\": \"blunting of the costophrenic angle\"}",
            "{\"label\": \"effusion:negative\", \"text\": \"no pleural effusion\"}",
        ]);
        var result = ZeroShotJob.Run(new ZeroShotOptions { Encoder = run, Data = manifest, Prompts = prompts, Mode = ZeroShotMode.Pairs, ImageSize = 32, Resamples = 50, Out = Path.Combine(dir, "out") });

        // independently: v of every image and u of every prompt from the model itself, then the AUC by hand
        var rows = ConVirt.Data.Manifest.Load(manifest).Rows;
        var features = ImageFeatures.Extract(new LoadedEncoder(run, model.ImageEncoder, model, tokenizer, Pipeline.TinyRuns.Config()),
            rows, 32, projected: true, torch.CPU);
        using var u = EmbeddingExtractor.Texts(model, tokenizer, ["small left pleural effusion", "blunting of the costophrenic angle", "no pleural effusion"], 32, torch.CPU);
        var classes = ZeroShotScores.ClassVectors(TensorMatrix.Float(u), [0, 0, 1], 2);
        var p = ZeroShotScores.Probabilities(features.Features, classes, Pipeline.TinyRuns.Config().Loss.Temperature);
        var truth = features.Rows.Select(r => r.Labels["effusion"] == "1" ? 1 : 0).ToArray();
        double auc = ClassificationMetrics.RocAuc(Enumerable.Range(0, truth.Length).Select(i => p[i, 0]).ToArray(), truth);

        var score = result.Findings!["effusion"];
        Assert.Equal(auc, score.Auc.Mean, 10);
        Assert.Equal(truth.Count(t => t == 1), score.Positives);
        Assert.Equal(truth.Length - score.Positives, score.Negatives);
        Assert.Equal(score.Auc.Mean, result.MeanAuc!.Value.Mean, 12);
        Assert.True(File.Exists(Path.Combine(dir, "out", ZeroShotJob.JsonFileName)));
        Assert.Contains("| effusion |", File.ReadAllText(Path.Combine(dir, "out", ZeroShotJob.MarkdownFileName)));
        // the report verb includes it
        var report = EvaluationReport.Write([Path.Combine(dir, "out")], Path.Combine(dir, "report"));
        Assert.Contains("## Zero-shot classification", File.ReadAllText(report));

        // classes mode on the synthetic 'finding' label: every row whose value has a prompt class is scored
        var classPrompts = Path.Combine(dir, "classes.jsonl");
        var findings = rows.Select(r => r.Labels["finding"]!).Distinct().Order(StringComparer.Ordinal).ToList();
        File.WriteAllLines(classPrompts, findings.Select(f => $"{{\"label\": \"{f}\", \"text\": \"chest x-ray showing {f}\"}}"));
        var classes3 = ZeroShotJob.Run(new ZeroShotOptions { Encoder = run, Data = manifest, Prompts = classPrompts, Label = "finding", ImageSize = 32, Resamples = 50 });
        Assert.Equal(rows.Count, classes3.Confusion!.Sum(r => r.Sum()));
        Assert.Equal(classes3.Confusion!.Select((r, i) => r[i]).Sum() / (double)rows.Count, classes3.Accuracy!.Value.Mean, 12);
    }

    [Fact]
    public void EncodersWithoutATextTowerAreRefusedClearly()
    {
        var dir = Pipeline.TinyRuns.TempFolder("zeroshot-imagenet");
        var prompts = Path.Combine(dir, "p.jsonl");
        File.WriteAllText(prompts, "{\"label\": \"a\", \"text\": \"x\"}\n{\"label\": \"b\", \"text\": \"y\"}\n");
        var e = Assert.Throws<ArgumentException>(() => ZeroShotJob.Run(new ZeroShotOptions { Encoder = "imagenet", Data = "unused.jsonl", Prompts = prompts, Label = "finding" }));
        Assert.Contains("has no text tower: zero-shot classification needs a ConVIRT run", e.Message);
    }
}
