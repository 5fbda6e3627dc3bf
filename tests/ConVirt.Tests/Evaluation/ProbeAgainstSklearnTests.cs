using System.Text.Json;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

/// <summary>
/// The probe against scikit-learn's lbfgs on the same standardised features (TestData/sklearn_probe.json, written by
/// bench/sklearn/make_probe_fixture.py), and the current default tolerances against the previous ones (issue 27).
/// </summary>
public class ProbeAgainstSklearnTests
{
    static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "sklearn_probe.json"))).RootElement);

    /// <summary>The previous default tolerances (and then some): the fit reaches the optimum within float64 rounding.</summary>
    static readonly LogisticRegressionProbeOptions Previous = new(MaxIterations: 1000, GradientTolerance: 1e-10, LossTolerance: 0);

    [Fact]
    public void AFitToTheOptimumGivesScikitLearnsTightProbabilities()
    {
        var (train, labels, test, classes, l2) = Load();
        var probe = LogisticRegressionProbe.Fit(train, labels, classes, Previous with { L2Grid = [l2] });
        Assert.True(probe.Converged);
        Assert.True(MaxDifference(probe.PredictProba(test), Expected("tight")) < 1e-5);
    }

    [Fact]
    public void TheDefaultTolerancesStayWithinScikitLearnsDefaultsAndThePreviousProbe()
    {
        var (train, labels, test, classes, l2) = Load();
        var testLabels = Fixture.Value.GetProperty("test_labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var current = LogisticRegressionProbe.Fit(train, labels, classes, new LogisticRegressionProbeOptions(L2Grid: [l2]));
        var previous = LogisticRegressionProbe.Fit(train, labels, classes, Previous with { L2Grid = [l2] });
        Assert.True(current.Converged);
        Assert.True(current.Iterations < previous.Iterations, $"{current.Iterations} iterations at the defaults, {previous.Iterations} fitted tightly");
        var p = current.PredictProba(test);
        var sklearn = Expected("default");
        double toSklearn = MaxDifference(p, sklearn), toPrevious = MaxDifference(p, previous.PredictProba(test));
        Assert.True(toSklearn < 5e-3, $"max |p - p_sklearn| = {toSklearn}");
        Assert.True(toPrevious < 5e-3, $"max |p - p_previous| = {toPrevious}");
        double auc = ClassificationMetrics.MacroAucOneVsRest(p, testLabels, classes);
        Assert.Equal(ClassificationMetrics.MacroAucOneVsRest(sklearn, testLabels, classes), auc, 0.005);
        Assert.Equal(ClassificationMetrics.MacroAucOneVsRest(previous.PredictProba(test), testLabels, classes), auc, 0.005);
        Assert.InRange(auc, 0.6, 0.99);   // overlapping classes: neither chance nor perfect
    }

    static (float[,] Train, int[] Labels, float[,] Test, int Classes, double L2) Load()
    {
        var root = Fixture.Value;
        return (SklearnFixture.FloatMatrix(root.GetProperty("train_features")), SklearnFixture.Ints(root.GetProperty("train_labels")),
            SklearnFixture.FloatMatrix(root.GetProperty("test_features")), root.GetProperty("classes").GetInt32(), root.GetProperty("l2").GetDouble());
    }

    static float[,] Expected(string fit) => SklearnFixture.FloatMatrix(Fixture.Value.GetProperty(fit).GetProperty("test_probabilities"));

    static double MaxDifference(float[,] a, float[,] b)
    {
        Assert.Equal(a.GetLength(0), b.GetLength(0));
        Assert.Equal(a.GetLength(1), b.GetLength(1));
        double max = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) max = Math.Max(max, Math.Abs(a[i, j] - b[i, j]));
        return max;
    }
}
