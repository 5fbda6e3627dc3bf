using System.Text.Json;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

/// <summary>
/// Classes of the task without a training row (MedPix modality has one, seen only in the test split; issue 27, item 2):
/// the probe learns the classes it has rows of, as scikit-learn does, and gives the others probability 0. Checked against
/// TestData/sklearn_probe_unseen.json (bench/sklearn/make_probe_unseen_fixture.py: scikit-learn fitted to the optimum, and
/// its per-class AUC from sklearn.metrics.roc_auc_score, computed in Python).
/// </summary>
public class ProbeUnseenClassTests
{
    static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "sklearn_probe_unseen.json"))).RootElement);

    /// <summary>Fitted to the optimum, like the fixture's newton-cg.</summary>
    static readonly LogisticRegressionProbeOptions Tight = new(MaxIterations: 1000, GradientTolerance: 1e-10, LossTolerance: 0);

    [Theory]
    [InlineData("unseen")]        // 6 classes, 5 with training rows: a softmax over the 5
    [InlineData("two_of_three")]  // 3 classes, 2 with training rows: scikit-learn's binary head
    public void ClassesWithoutTrainingRowsGetProbabilityZeroAndTheOthersScikitLearnsFit(string name)
    {
        var c = Fixture.Value.GetProperty(name);
        int classes = c.GetProperty("classes").GetInt32();
        var testLabels = SklearnFixture.Ints(c.GetProperty("test_labels"));
        var probe = LogisticRegressionProbe.Fit(SklearnFixture.FloatMatrix(c.GetProperty("train_features")),
            SklearnFixture.Ints(c.GetProperty("train_labels")), classes, Tight with { L2Grid = [c.GetProperty("l2").GetDouble()] });
        Assert.True(probe.Converged);
        Assert.Equal(SklearnFixture.Ints(c.GetProperty("trained_classes")), probe.TrainedClasses);
        Assert.Equal(c.GetProperty("coefficient_rows").GetInt32(), probe.Weights.GetLength(1));
        var p = probe.PredictProba(SklearnFixture.FloatMatrix(c.GetProperty("test_features")));
        var expected = SklearnFixture.FloatMatrix(c.GetProperty("test_probabilities"));
        double max = 0;
        for (int i = 0; i < p.GetLength(0); i++)
            for (int j = 0; j < classes; j++)
            {
                if (!probe.TrainedClasses.Contains(j)) Assert.Equal(0f, p[i, j]);
                max = Math.Max(max, Math.Abs(p[i, j] - expected[i, j]));
            }
        Assert.True(max < 1e-5, $"max |p - p_sklearn| = {max}");
        // the one-vs-rest AUC of each class (0.5 for the untrained one: a constant score) and their mean, as scikit-learn computed them
        foreach (var entry in c.GetProperty("per_class_auc").EnumerateObject())
        {
            int k = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            var column = Enumerable.Range(0, p.GetLength(0)).Select(i => (double)p[i, k]).ToArray();
            Assert.Equal(entry.Value.GetDouble(), ClassificationMetrics.RocAuc(column, testLabels.Select(l => l == k ? 1 : 0).ToArray()), 1e-6);
        }
        Assert.Equal(c.GetProperty("macro_auc").GetDouble(), ClassificationMetrics.MacroAucOneVsRest(p, testLabels, classes), 1e-6);
        Assert.Equal(c.GetProperty("accuracy").GetDouble(), ClassificationMetrics.Accuracy(ClassificationMetrics.ArgMax(p), testLabels), 1e-9);
    }

    /// <summary>
    /// The default (preconditioned, prior-started) fits on imbalanced classes, down to one row (MedPix's shape, small):
    /// the same λ as fits to the optimum and probabilities within 2e-3 of them, for every grid value's strength, in a
    /// fraction of the evaluations. (The optimum itself is checked against scikit-learn above and in ProbeAgainstSklearnTests.)
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void DefaultFitsOnImbalancedClassesMatchTheOptimum(int seed)
    {
        var random = new Random(seed);
        int[] counts = [120, 40, 20, 8, 4, 2, 1, 1];
        int d = 12, n = counts.Sum();
        var means = new double[counts.Length, d];
        for (int c = 0; c < counts.Length; c++)
            for (int j = 0; j < d; j++) means[c, j] = 0.8 * Gaussian(random);
        var features = new float[n, d];
        var labels = new int[n];
        for (int i = 0, c = 0, left = counts[0]; i < n; i++, left--)
        {
            while (left == 0) left = counts[++c];
            labels[i] = c;
            for (int j = 0; j < d; j++) features[i, j] = (float)(means[c, j] + Gaussian(random) + 3);   // off-centre: standardisation matters
        }
        var tight = LogisticRegressionProbe.Fit(features, labels, counts.Length, new(MaxIterations: 3000, GradientTolerance: 1e-10, LossTolerance: 0));
        var current = LogisticRegressionProbe.Fit(features, labels, counts.Length);
        Assert.Equal(tight.L2, current.L2);
        Assert.True(current.Evaluations * 2 < tight.Evaluations, $"{current.Evaluations} evaluations at the defaults, {tight.Evaluations} to the optimum");
        var p = current.PredictProba(features);
        var q = tight.PredictProba(features);
        double max = 0;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < counts.Length; c++) max = Math.Max(max, Math.Abs(p[i, c] - q[i, c]));
        Assert.True(max < 2e-3, $"max |p - p_optimum| = {max}");
    }

    static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void ASingleTrainedClassGivesAConstantProbe()
    {
        var features = new float[6, 2] { { 0, 1 }, { 1, 0 }, { 2, 2 }, { 3, 1 }, { 4, 0 }, { 5, 3 } };
        var probe = LogisticRegressionProbe.Fit(features, [2, 2, 2, 2, 2, 2], 4, new LogisticRegressionProbeOptions(L2Grid: [0.1]));
        Assert.Equal([2], probe.TrainedClasses);
        var p = probe.PredictProba(new float[,] { { -7, 9 }, { 1, 1 } });
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 4; j++) Assert.Equal(j == 2 ? 1f : 0f, p[i, j]);
    }
}
