using ConVirt.Evaluation.Reporting;
using System.Globalization;
using System.Text.Json;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using TorchSharp;

namespace ConVirt.Tests.EvaluationJobs;

/// <summary>The jobs end to end on a tiny synthetic data set (60 cases at 32 px) with the random encoder.</summary>
[Collection(TorchCollection.Name)]
public sealed class EvaluationJobsTests : IClassFixture<EvaluationJobsTests.TinyData>
{
    /// <summary>One synthetic data set for the class.</summary>
    public sealed class TinyData : IDisposable
    {
        public string Folder { get; } = Pipeline.TinyRuns.TempFolder("evaljobs");
        public string Manifest { get; }
        public TinyData() => Manifest = SyntheticDataset.Write(Folder, 60, 32, seed: 11);
        public void Dispose() => Directory.Delete(Folder, true);
    }

    readonly TinyData data;

    public EvaluationJobsTests(TinyData data) => this.data = data;

    string Out(string name) => Path.Combine(data.Folder, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    LabelEfficiencyOptions Linear(string encoder, string label, string? outDir) => new()
    {
        Encoder = encoder, Train = data.Manifest, Test = data.Manifest, Label = label, TestSplit = "train",
        Fractions = [0.5, 1], Runs = 2, ImageSize = 32, Out = outDir,
        Probe = new LogisticRegressionProbeOptions(L2Grid: [1], MaxIterations: 60, GradientTolerance: 1e-5),
    };

    [Fact]
    public void LinearWritesJsonWithFractionsAndIntervalsAndReusesCachedFeatures()
    {
        var dir = Out("linear");
        var result = LinearEvaluationJob.Run(Linear("random", "finding", dir));
        Assert.Equal(48, result.Train.Rows); // 80% of 60 cases are train
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, LinearEvaluationJob.JsonFileName)));
        var root = doc.RootElement;
        Assert.Equal("linear", root.GetProperty("kind").GetString());
        Assert.Equal("random", root.GetProperty("encoder").GetProperty("name").GetString());
        var fractions = root.GetProperty("fractions");
        Assert.Equal(2, fractions.GetArrayLength());
        foreach (var f in fractions.EnumerateArray())
        {
            var auc = f.GetProperty("auc");
            double mean = auc.GetProperty("mean").GetDouble();
            Assert.InRange(mean, auc.GetProperty("low").GetDouble(), auc.GetProperty("high").GetDouble());
            Assert.Equal(2, f.GetProperty("runs").GetArrayLength());
            Assert.True(f.GetProperty("balanced_accuracy").GetProperty("mean").GetDouble() > 0);
        }
        Assert.Equal(48, fractions[1].GetProperty("train_count").GetDouble());
        Assert.Contains("| 1 | 48 | 2 |", File.ReadAllText(Path.Combine(dir, LinearEvaluationJob.MarkdownFileName)));
        // the second run reads the cached features and gives identical scores
        Assert.Single(Directory.GetFiles(Path.Combine(dir, "features"), "*.safetensors"));
        var again = LinearEvaluationJob.Run(Linear("random", "finding", dir));
        Assert.Equal(result.Fractions[0].Auc, again.Fractions[0].Auc);
    }

    [Fact]
    public void MultiLabelLinearEvaluation()
    {
        var result = LinearEvaluationJob.Run(Linear("random", "effusion,opacity", null) with { Fractions = [1], Runs = 1 });
        Assert.StartsWith("multi-label (effusion, opacity)", result.Task);
        Assert.All(result.Fractions, f => Assert.InRange(f.Auc.Mean, 0, 1));
    }

    [Fact]
    public void EncoderFolderWithoutWeightsIsAClearError()
    {
        var empty = Out("empty-run");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<FileNotFoundException>(() => LinearEvaluationJob.Run(Linear(empty, "finding", null)));
        Assert.Equal($"{empty}: no best/model.safetensors and no checkpoint to load", e.Message);
    }

    [Fact]
    public void RetrievalEqualsRetrievalMetricsOnIndependentlyComputedEmbeddings()
    {
        var result = RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = "random", Queries = data.Manifest, Candidates = data.Manifest, Label = "finding", QuerySplit = "train", CandidateSplit = "train",
            Ks = [1, 5], ImageSize = 32,
        });
        Assert.Equal(48, result.SelfExcluded);
        // independently: embed h_v through the embed job's file, rank with RetrievalMetrics, self excluded by index
        var file = Path.Combine(Out("embed"), "h.csv");
        EmbedJob.Run(new EmbedOptions("random", data.Manifest, file, Split: "train", ImageSize: 32));
        var (ids, h) = EmbedJob.Read(file);
        Assert.Equal(48, ids.Count);
        var labelOf = ConVirt.Data.Manifest.Load(data.Manifest).Rows.ToDictionary(r => r.Id, r => r.Labels["finding"]!);
        var names = ids.Select(i => labelOf[i]).Distinct().Order(StringComparer.Ordinal).ToList();
        var labels = ids.Select(i => names.IndexOf(labelOf[i])).ToArray();
        var expected = RetrievalMetrics.PrecisionAtK(h, h, labels, labels, [1, 5], Enumerable.Range(0, ids.Count).ToArray());
        Assert.Equal(expected[0], result.ImageToImage[0], 12);
        Assert.Equal(expected[1], result.ImageToImage[1], 12);
        // per-label breakdown averages back to the overall value
        double weighted = result.ImageToImageByLabel.Values.Sum(l => l.Queries * l.Precision[1]) / 48;
        Assert.Equal(result.ImageToImage[1], weighted, 12);
        // intervals: around the overall mean, and around the unweighted mean of the per-label values
        for (int j = 0; j < 2; j++)
        {
            var m = result.ImageToImageInterval[j];
            Assert.Equal(result.ImageToImage[j], m.Mean, 12);
            Assert.True(m.Low <= m.Mean && m.Mean <= m.High && m.Low < m.High, $"P@k interval {m}");
            Assert.Equal(result.ImageToImageByLabel.Values.Average(l => l.Precision[j]), result.ImageToImageClassMean[j].Mean, 12);
        }
    }

    [Fact]
    public void TextRetrievalWithRandomEncoderIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = "random", Queries = data.Manifest, Candidates = data.Manifest, Label = "finding", Ks = [5], ImageSize = 32,
            TextQueries = Path.Combine(data.Folder, SyntheticDataset.QueriesFileName),
        }));
        Assert.Equal("encoder 'random' has no text tower: text-to-image retrieval needs a ConVIRT run (not random, imagenet, SimCLR or MoCo)", e.Message);
    }

    [Fact]
    public void EmbedSafetensorsHoldsIdsAndMatchesCsv()
    {
        var dir = Out("embed2");
        var st = Path.Combine(dir, "e.safetensors");
        var csv = Path.Combine(dir, "e.csv");
        var (rows, dim, _) = EmbedJob.Run(new EmbedOptions("random", data.Manifest, st, Split: "val", ImageSize: 32));
        EmbedJob.Run(new EmbedOptions("random", data.Manifest, csv, Split: "val", ImageSize: 32));
        Assert.Equal(6, rows);
        Assert.Equal(512, dim);
        var (ids, a) = EmbedJob.Read(st);
        var (ids2, b) = EmbedJob.Read(csv);
        Assert.Equal(Enumerable.Range(0, 60).Where(i => i % 10 == 8).Select(SyntheticDataset.IdOf), ids);
        Assert.Equal(ids, ids2);
        Assert.Equal(a.Cast<float>(), b.Cast<float>());
        var text = Assert.Throws<ArgumentException>(() => EmbedJob.Run(new EmbedOptions("imagenet", data.Manifest, st, Modality: "text")));
        Assert.Equal("encoder 'imagenet' has no text tower: text embeddings need a ConVIRT run", text.Message);
    }

    [Fact]
    public void TsneWritesOneCsvRowPerPointAndAPng()
    {
        var png = Path.Combine(Out("tsne"), "map.png");
        var r = TsneJob.Run(new TsneJobOptions("random", data.Manifest, "finding", png, Perplexity: 5, Iterations: 250, MaxPoints: 40, ImageSize: 32));
        Assert.Equal(40, r.Points);
        var lines = File.ReadAllLines(Path.ChangeExtension(png, ".csv"));
        Assert.Equal("id,label,x,y", lines[0]);
        Assert.Equal(41, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.True(double.TryParse(l.Split(',')[3], NumberStyles.Float, CultureInfo.InvariantCulture, out _)));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png).Take(4));
        Assert.InRange(r.Trustworthiness, 0.5, 1.0);
    }

    [Fact]
    public void FineTuneTrainsWithEarlyStoppingAndReportsPerFraction()
    {
        var dir = Out("finetune");
        var result = FineTuneJob.Run(Linear("random", "finding", dir) with { Fractions = [0.5], Runs = 1, MaxEpochs = 2, Patience = 1, BatchSize = 8, TestSplit = "test" });
        var run = Assert.Single(Assert.Single(result.Fractions).Runs);
        Assert.InRange(run.Epochs!.Value, 1, 2);
        Assert.InRange(run.BestEpoch!.Value, 1, run.Epochs.Value);
        Assert.Equal(6, result.Validation!.Rows); // the manifest's val split
        Assert.Equal(6, result.Test.Rows);
        Assert.Equal("finetune", EvaluationJson.KindOf(Path.Combine(dir, FineTuneJob.JsonFileName)));
    }

    [Fact]
    public void ReportHasARowPerEncoderAndPlots()
    {
        var a = Out("rep-random");
        var b = Out("rep-imagenet");
        LinearEvaluationJob.Run(Linear("random", "finding", a) with { Runs = 1 });
        LinearEvaluationJob.Run(Linear("imagenet", "finding", b) with { Runs = 1 });
        var report = Out("report");
        var path = EvaluationReport.Write([a, b], report);
        var md = File.ReadAllText(path);
        Assert.Contains("| random | 0.5 |", md);
        Assert.Contains("| imagenet | 0.5 |", md);
        Assert.Contains("| random | 1 |", md);
        Assert.Contains("| imagenet | 1 |", md);
        Assert.True(File.Exists(Path.Combine(report, "linear-finding-auc.png")));
        var none = Assert.Throws<FileNotFoundException>(() => EvaluationReport.Write([report], Out("r2")));
        Assert.StartsWith("no result files", none.Message);
    }

    [Fact]
    public void ReportPlotsOfOneLabelOnTwoTestSetsDoNotOverwriteEachOther()
    {
        var a = Out("rep-test");
        var b = Out("rep-val");
        LinearEvaluationJob.Run(Linear("random", "finding", a) with { Runs = 1, Fractions = [1], TestSplit = "test" });
        LinearEvaluationJob.Run(Linear("random", "finding", b) with { Runs = 1, Fractions = [1], TestSplit = "val" });
        var report = Out("report-two-sets");
        EvaluationReport.Write([a, b], report);
        string set = new(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(data.Manifest)))!
            .Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
        var pngs = Directory.GetFiles(report, "*.png").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal([$"linear-finding-{set}-test-auc.png", $"linear-finding-{set}-val-auc.png"], pngs);
    }
}
