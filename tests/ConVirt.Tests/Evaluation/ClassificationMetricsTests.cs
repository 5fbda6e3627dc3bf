using Xunit;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

public class ClassificationMetricsTests
{
    [Fact]
    public void RocAucCountsTiesAsOneHalf()
    {
        // scores 0.1 0.4 0.4 0.8, labels 0 0 1 1.
        // Positive-negative pairs: (0.4 vs 0.1) = 1, (0.4 vs 0.4) = 1/2 (tie), (0.8 vs 0.1) = 1, (0.8 vs 0.4) = 1
        // -> 3.5 / 4 = 0.875.  Via ranks: 0.1 -> 1, 0.4 and 0.4 -> (2 + 3) / 2 = 2.5, 0.8 -> 4;
        // positive rank sum 2.5 + 4 = 6.5; U = 6.5 - 2·3/2 = 3.5; AUC = U / (2·2) = 0.875.
        double auc = ClassificationMetrics.RocAuc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1]);
        Assert.Equal(0.875, auc, 15);
    }

    [Fact]
    public void RocAucOfAllTiedScoresIsOneHalfAndPerfectRankingIsOne()
    {
        Assert.Equal(0.5, ClassificationMetrics.RocAuc([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0, 0]), 15);
        Assert.Equal(1.0, ClassificationMetrics.RocAuc([0.9, 0.1, 0.8, 0.2], [1, 0, 1, 0]), 15);
        Assert.Equal(0.0, ClassificationMetrics.RocAuc([0.1, 0.9, 0.2, 0.8], [1, 0, 1, 0]), 15);
    }

    [Fact]
    public void RocAucIsNaNWhenAClassIsAbsentAndRejectsBadLabels()
    {
        Assert.True(double.IsNaN(ClassificationMetrics.RocAuc([0.1, 0.7], [1, 1])));
        Assert.True(double.IsNaN(ClassificationMetrics.RocAuc([0.1, 0.7], [0, 0])));
        var e = Assert.Throws<ArgumentException>(() => ClassificationMetrics.RocAuc([0.1, 0.7], [0, 2]));
        Assert.StartsWith("labels01[1] is 2", e.Message);
    }

    [Fact]
    public void MacroAucAveragesOnlyClassesPresent()
    {
        // labels 0 1 0, class 2 never occurs (its AUC is undefined and is left out).
        // Class 0 column 0.7 0.3 0.3: positives {0.7, 0.3}, negative {0.3}: (1 + 1/2) / 2 = 0.75.
        // Class 1 column 0.2 0.6 0.5: positive {0.6}, negatives {0.2, 0.5}: 2 / 2 = 1.
        // Mean over present classes (0.75 + 1) / 2 = 0.875 (counting class 2 as 0.5 would give 0.75).
        float[,] p = { { 0.7f, 0.2f, 0.1f }, { 0.3f, 0.6f, 0.1f }, { 0.3f, 0.5f, 0.2f } };
        Assert.Equal(0.875, ClassificationMetrics.MacroAucOneVsRest(p, [0, 1, 0], 3), 15);
    }

    [Fact]
    public void AccuracyAndBalancedAccuracyByHand()
    {
        // actual 0 0 0 1, predicted 0 0 1 1: accuracy 3/4; recall(0) = 2/3, recall(1) = 1 -> (2/3 + 1) / 2 = 5/6.
        Assert.Equal(0.75, ClassificationMetrics.Accuracy([0, 0, 1, 1], [0, 0, 0, 1]), 15);
        Assert.Equal(5.0 / 6.0, ClassificationMetrics.BalancedAccuracy([0, 0, 1, 1], [0, 0, 0, 1]), 15);
    }

    [Fact]
    public void BinaryAucMatchesScikitLearnOnTiedScores()
    {
        var s = SklearnFixture.Section("binary");
        double auc = ClassificationMetrics.RocAuc(SklearnFixture.Doubles(s.GetProperty("scores")), SklearnFixture.Ints(s.GetProperty("labels")));
        Assert.Equal(s.GetProperty("roc_auc").GetDouble(), auc, 1e-12);
    }

    [Fact]
    public void AccuracyAndBalancedAccuracyMatchScikitLearn()
    {
        var s = SklearnFixture.Section("classification");
        var actual = SklearnFixture.Ints(s.GetProperty("actual"));
        var predicted = SklearnFixture.Ints(s.GetProperty("predicted"));
        Assert.Equal(s.GetProperty("accuracy").GetDouble(), ClassificationMetrics.Accuracy(predicted, actual), 1e-12);
        Assert.Equal(s.GetProperty("balanced_accuracy").GetDouble(), ClassificationMetrics.BalancedAccuracy(predicted, actual), 1e-12);
    }

    [Fact]
    public void OneVsRestMacroAucMatchesScikitLearn()
    {
        var s = SklearnFixture.Section("multiclass");
        double auc = ClassificationMetrics.MacroAucOneVsRest(SklearnFixture.FloatMatrix(s.GetProperty("probabilities")),
            SklearnFixture.Ints(s.GetProperty("labels")), s.GetProperty("class_count").GetInt32());
        Assert.Equal(s.GetProperty("macro_auc_ovr").GetDouble(), auc, 1e-12);
    }

    [Fact]
    public void MultiLabelMacroAucMatchesScikitLearn()
    {
        var s = SklearnFixture.Section("multilabel");
        double auc = ClassificationMetrics.MultiLabelMacroAuc(SklearnFixture.FloatMatrix(s.GetProperty("scores")),
            SklearnFixture.IntMatrix(s.GetProperty("targets")));
        Assert.Equal(s.GetProperty("macro_auc").GetDouble(), auc, 1e-12);
    }
}
