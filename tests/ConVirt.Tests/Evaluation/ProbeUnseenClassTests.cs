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
