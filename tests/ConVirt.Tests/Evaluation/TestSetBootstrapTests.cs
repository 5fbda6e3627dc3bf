using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

/// <summary>The test-set bootstrap of 100 %-label probe runs (issue 27): an honest interval where the runs' spread collapses.</summary>
public class TestSetBootstrapTests
{
    static readonly LabelTask Binary = new(["finding"], ProbeHeadKind.Binary, ["no", "yes"]);

    [Fact]
    public void AccuracyIntervalMatchesTheBinomialNormalApproximation()
    {
        // 400 rows, 300 predicted right: accuracy 0.75, bootstrap 95 % interval ≈ 0.75 ± 1.96·sqrt(0.75·0.25/400) = [0.7076, 0.7924]
        int n = 400;
        var classes = new int[n];
        var p = new float[n, 2];
        for (int i = 0; i < n; i++)
        {
            classes[i] = i % 2;
            bool right = i % 4 != 3;
            int predicted = right ? classes[i] : 1 - classes[i];
            p[i, predicted] = 0.8f;
            p[i, 1 - predicted] = 0.2f;
        }
        // two identical runs: over runs the interval would be [0.75, 0.75]
        var (_, accuracy, balanced) = TestSetBootstrap.Scores(Binary, [p, p], classes, null, resamples: 4000, seed: 3);
        Assert.Equal(0.75, accuracy.Mean, 12);
        double half = 1.96 * Math.Sqrt(0.75 * 0.25 / n);
        Assert.Equal(0.75 - half, accuracy.Low, 0.008);
        Assert.Equal(0.75 + half, accuracy.High, 0.008);
        Assert.Equal(0.75, balanced.Mean, 12);   // both classes 3/4 right
        Assert.True(balanced.High - balanced.Low > 0.06);

        var again = TestSetBootstrap.Scores(Binary, [p, p], classes, null, resamples: 4000, seed: 3);
        Assert.Equal(accuracy, again.Accuracy);
    }

    [Fact]
    public void TheMeanIsOverRunsAndAnAucDrawWithOneClassIsLeftOut()
    {
        // run A ranks perfectly (AUC 1), run B inverts the ranking (AUC 0): mean 0.5 whatever the draw
        var classes = new[] { 0, 1, 0, 1 };
        var a = new float[4, 2];
        var b = new float[4, 2];
        for (int i = 0; i < 4; i++)
        {
            a[i, 1] = classes[i] == 1 ? 0.9f : 0.1f; a[i, 0] = 1 - a[i, 1];
            b[i, 1] = 1 - a[i, 1]; b[i, 0] = a[i, 1];
        }
        var (auc, accuracy, _) = TestSetBootstrap.Scores(Binary, [a, b], classes, null, resamples: 500, seed: 1);
        Assert.Equal(0.5, auc.Mean, 12);
        Assert.Equal(0.5, auc.Low, 12);    // draws with both classes average 1 and 0; one-class draws (NaN) are left out
        Assert.Equal(0.5, auc.High, 12);
        Assert.Equal(0.5, accuracy.Mean, 12);
        Assert.Throws<ArgumentException>(() => TestSetBootstrap.Scores(Binary, [], classes, null));
        Assert.Throws<ArgumentException>(() => TestSetBootstrap.Scores(Binary, [a], classes, null, resamples: 0));
    }
}
