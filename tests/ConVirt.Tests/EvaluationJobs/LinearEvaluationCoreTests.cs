using ConVirt.Data;
using ConVirt.Evaluation;

namespace ConVirt.Tests.EvaluationJobs;

/// <summary>The linear protocol on hand-made feature matrices (no images, no encoder).</summary>
[Collection(TorchCollection.Name)]
public sealed class LinearEvaluationCoreTests
{
    /// <summary>Two grid values and few iterations keep the tests fast; the protocol is the same.</summary>
    static readonly LogisticRegressionProbeOptions Fast = new(L2Grid: [1e-2, 1], MaxIterations: 100, GradientTolerance: 1e-6);

    static ManifestRow Row(int i, IReadOnlyDictionary<string, string?> labels, string? patient = null) =>
        new($"r{i}", $"/x/r{i}.png", null, "train", patient, labels, i + 1);

    /// <summary>n rows, class i % 2 ("a"/"b"); feature 0 is +-1 by class, the other 3 are noise.</summary>
    static (float[,] Features, List<ManifestRow> Rows) Separable(int n, int seed)
    {
        var random = new Random(seed);
        var features = new float[n, 4];
        var rows = new List<ManifestRow>();
        for (int i = 0; i < n; i++)
        {
            int c = i % 2;
            features[i, 0] = c == 1 ? 1f : -1f;
            for (int j = 1; j < 4; j++) features[i, j] = (float)random.NextDouble();
            rows.Add(Row(i, new Dictionary<string, string?> { ["finding"] = c == 1 ? "b" : "a" }));
        }
        return (features, rows);
    }

    [Fact]
    public void PerfectlyEncodedLabelGivesAucOneAndFractionsSelectTheStatedCounts()
    {
        var (trainX, trainRows) = Separable(200, 1);
        var (testX, testRows) = Separable(60, 2);
        var task = new LabelTask(["finding"], ProbeHeadKind.Binary, ["a", "b"]);
        var result = LinearEvaluationJob.Evaluate(trainX, trainRows, testX, testRows, task, [0.05, 0.1, 1], runs: 3, seed: 7, probeOptions: Fast);

        Assert.Equal(3, result.Count);
        // 100 rows per class: round(0.05 * 100) = 5 and round(0.1 * 100) = 10 per class
        Assert.All(result[0].Runs, r => Assert.Equal(10, r.TrainCount));
        Assert.All(result[1].Runs, r => Assert.Equal(20, r.TrainCount));
        Assert.All(result[2].Runs, r => Assert.Equal(200, r.TrainCount));
        foreach (var f in result)
        {
            Assert.Equal(1.0, f.Auc.Mean, 12);
            Assert.Equal(1.0, f.Accuracy.Mean, 12);
            Assert.Equal(1.0, f.BalancedAccuracy.Mean, 12);
            Assert.InRange(f.Auc.Mean, f.Auc.Low, f.Auc.High);
        }
        // different runs draw different subsets (seed + run)
        Assert.Equal([7, 8, 9], result[0].Runs.Select(r => r.Seed));
    }

    [Fact]
    public void UninformativeFeaturesGiveChanceAucWithAnIntervalAroundTheMean()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 120).Select(i => Row(i, new Dictionary<string, string?> { ["y"] = (i % 2).ToString() })).ToList();
        var x = new float[120, 5];
        for (int i = 0; i < 120; i++) for (int j = 0; j < 5; j++) x[i, j] = (float)random.NextDouble();
        var task = new LabelTask(["y"], ProbeHeadKind.Binary, ["0", "1"]);
        var result = LinearEvaluationJob.Evaluate(x, rows, x, rows, task, [0.5], runs: 5, seed: 0, probeOptions: Fast);
        var auc = result[0].Auc;
        Assert.InRange(auc.Mean, 0.3, 0.75);
        Assert.True(auc.Low <= auc.Mean && auc.Mean <= auc.High);
        Assert.True(auc.High - auc.Low > 0, "five different subsets give different AUCs");
    }

    [Fact]
    public void MultiLabelKeysAreScoredPerLabel()
    {
        // feature k encodes label k exactly; labels independent
        var rows = new List<ManifestRow>();
        var x = new float[80, 3];
        for (int i = 0; i < 80; i++)
        {
            int e = i % 2, o = (i / 2) % 2;
            x[i, 0] = e * 2 - 1;
            x[i, 1] = o * 2 - 1;
            x[i, 2] = i % 7;
            rows.Add(Row(i, new Dictionary<string, string?> { ["effusion"] = e.ToString(), ["opacity"] = o == 1 ? "true" : "false" }));
        }
        var set = new LabelledRows("m.jsonl", null, rows, 0, "");
        var task = LabelTask.Infer(LabelTask.ParseKeys("effusion, opacity"), set);
        Assert.Equal(ProbeHeadKind.MultiLabel, task.Kind);
        Assert.Equal(new[] { 0, 1, 2, 3 }, task.Strata(rows).Take(8).Distinct().Order());
        var result = LinearEvaluationJob.Evaluate(x, rows, x, rows, task, [1], runs: 1, seed: 0, probeOptions: Fast);
        Assert.Equal(1.0, result[0].Auc.Mean, 12);
        Assert.Equal(1.0, result[0].Accuracy.Mean, 12);
    }

    [Fact]
    public void PatientsStayWholeWhenSampling()
    {
        // two images per patient; 10% of 100 images per class = 5 -> whole patients only, so every chosen count is even
        var (x, rows) = Separable(200, 4);
        rows = rows.Select((r, i) => r with { PatientId = $"p{i / 4 * 2 + i % 2}" }).ToList(); // rows i and i+2 share a patient and a class
        var task = new LabelTask(["finding"], ProbeHeadKind.Binary, ["a", "b"]);
        var result = LinearEvaluationJob.Evaluate(x, rows, x, rows, task, [0.1], runs: 3, seed: 1, probeOptions: Fast);
        Assert.All(result[0].Runs, r => Assert.Equal(0, r.TrainCount % 2));
    }
}
