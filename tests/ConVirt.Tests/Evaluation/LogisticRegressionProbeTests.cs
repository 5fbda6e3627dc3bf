using Xunit;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

public class LogisticRegressionProbeTests
{
    /// <summary>The previous defaults (before issue 27): fits to the optimum within float64 rounding.</summary>
    static readonly LogisticRegressionProbeOptions Tight = new(MaxIterations: 1000, GradientTolerance: 1e-10, LossTolerance: 0);

    [Fact]
    public void SeparableBlobsAreClassifiedPerfectly()
    {
        var random = new Random(1);
        // Three classes around (-4, 0), (4, 0), (0, 6) with noise sd 0.5: linearly separable by a wide margin.
        (double X, double Y)[] centres = [(-4, 0), (4, 0), (0, 6)];
        int n = 90;
        var features = new float[n, 2];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            features[i, 0] = (float)(centres[labels[i]].X + 0.5 * Gaussian(random));
            features[i, 1] = (float)(centres[labels[i]].Y + 0.5 * Gaussian(random));
        }
        var probe = LogisticRegressionProbe.Fit(features, labels, 3);
        Assert.Equal(ProbeHeadKind.MultiClass, probe.Kind);
        var probabilities = probe.PredictProba(features);
        Assert.Equal(1.0, ClassificationMetrics.Accuracy(ClassificationMetrics.ArgMax(probabilities), labels));
        for (int i = 0; i < n; i++) Assert.Equal(1.0, probabilities[i, 0] + probabilities[i, 1] + probabilities[i, 2], 5);

        // Binary version: classes 0 and 1 only.
        var binaryLabels = labels.Select(l => l == 1 ? 1 : 0).ToArray();
        var binary = LogisticRegressionProbe.Fit(features, binaryLabels, 2);
        Assert.Equal(ProbeHeadKind.Binary, binary.Kind);
        Assert.Equal(1.0, ClassificationMetrics.Accuracy(ClassificationMetrics.ArgMax(binary.PredictProba(features)), binaryLabels));
    }

    [Fact]
    public void BinaryFitMatchesNewtonsMethod()
    {
        // Noisy labels from a logistic model; fixed λ = 1e-3 (one-value grid: no validation split).
        var (features, labels) = NoisyBinary(400, seed: 2);
        const double l2 = 1e-3;
        // tight tolerances: this compares the optimum itself (the defaults stop at scikit-learn's tolerance, see Tolerant...)
        var probe = LogisticRegressionProbe.Fit(features, labels, 2, Tight with { L2Grid = [l2] });
        Assert.True(probe.Converged);

        var (w1, w2, b) = NewtonLogisticRegression(features, labels, l2);
        Assert.Equal(w1, probe.Weights[0, 0], 1e-4);
        Assert.Equal(w2, probe.Weights[1, 0], 1e-4);
        Assert.Equal(b, probe.Bias[0], 1e-4);

        // AUC of the probe's scores against the independent fit's scores.
        var probabilities = probe.PredictProba(features);
        var probeScores = Enumerable.Range(0, labels.Length).Select(i => (double)probabilities[i, 1]).ToArray();
        var (mean, scale) = Standardisation(features);
        var newtonScores = Enumerable.Range(0, labels.Length)
            .Select(i => w1 * (features[i, 0] - mean[0]) / scale[0] + w2 * (features[i, 1] - mean[1]) / scale[1] + b).ToArray();
        double probeAuc = ClassificationMetrics.RocAuc(probeScores, labels);
        Assert.Equal(ClassificationMetrics.RocAuc(newtonScores, labels), probeAuc, 0.01);
        Assert.InRange(probeAuc, 0.7, 0.95); // noisy: neither chance nor perfect
    }

    [Fact]
    public void ChosenL2HasTheLowestValidationLossAndTheFitIsSeeded()
    {
        var (features, labels) = NoisyBinary(200, seed: 3);
        var probe = LogisticRegressionProbe.Fit(features, labels, 2, new LogisticRegressionProbeOptions(Seed: 4));
        Assert.Equal(LogisticRegressionProbeOptions.DefaultL2Grid, probe.Selection.Select(s => s.L2).ToArray());
        Assert.Equal(probe.Selection.MinBy(s => s.ValidationLoss).L2, probe.L2);
        // Validation losses differ across the grid (λ = 10 underfits badly).
        Assert.True(probe.Selection[^1].ValidationLoss > probe.Selection.Min(s => s.ValidationLoss) + 0.05);

        var again = LogisticRegressionProbe.Fit(features, labels, 2, new LogisticRegressionProbeOptions(Seed: 4));
        Assert.Equal(probe.L2, again.L2);
        Assert.Equal(probe.Weights, again.Weights);
    }

    [Fact]
    public void MultiLabelFitEqualsIndependentBinaryFits()
    {
        // The multi-label objective is a sum of per-label binary objectives sharing nothing but the features,
        // so each label's weights equal a binary fit on that label alone.
        var (features, first) = NoisyBinary(200, seed: 5);
        var random = new Random(6);
        var second = Enumerable.Range(0, first.Length).Select(i => features[i, 1] + 0.8 * Gaussian(random) > 0 ? 1 : 0).ToArray();
        var targets = new int[first.Length, 2];
        for (int i = 0; i < first.Length; i++) { targets[i, 0] = first[i]; targets[i, 1] = second[i]; }
        var options = Tight with { L2Grid = [1e-2] };   // the property holds at the optimum: fit to it
        var multi = LogisticRegressionProbe.FitMultiLabel(features, targets, options);
        Assert.Equal(ProbeHeadKind.MultiLabel, multi.Kind);
        Assert.Equal(2, multi.OutputCount);
        foreach (var (label, column) in new[] { (first, 0), (second, 1) })
        {
            var single = LogisticRegressionProbe.Fit(features, label, 2, options);
            Assert.Equal(single.Weights[0, 0], multi.Weights[0, column], 1e-5);
            Assert.Equal(single.Weights[1, 0], multi.Weights[1, column], 1e-5);
            Assert.Equal(single.Bias[0], multi.Bias[column], 1e-5);
        }
    }

    [Fact]
    public void LabelsOutsideTheClassRangeAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => LogisticRegressionProbe.Fit(new float[2, 1], [0, 3], 3));
        Assert.StartsWith("labels[1] is 3, outside [0, 3)", e.Message);
    }

    static (float[,] Features, int[] Labels) NoisyBinary(int n, int seed)
    {
        // x ~ N((1, -2), diag(4, 1)); P(y = 1) = sigmoid(0.8 x0 - 1.0 x1 - 1.5).
        var random = new Random(seed);
        var features = new float[n, 2];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            features[i, 0] = (float)(1 + 2 * Gaussian(random));
            features[i, 1] = (float)(-2 + Gaussian(random));
            double logit = 0.8 * features[i, 0] - 1.0 * features[i, 1] - 1.5;
            labels[i] = random.NextDouble() < 1 / (1 + Math.Exp(-logit)) ? 1 : 0;
        }
        return (features, labels);
    }

    static (double[] Mean, double[] Scale) Standardisation(float[,] x)
    {
        int n = x.GetLength(0), d = x.GetLength(1);
        var mean = new double[d];
        var scale = new double[d];
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < n; i++) mean[j] += x[i, j];
            mean[j] /= n;
            for (int i = 0; i < n; i++) scale[j] += (x[i, j] - mean[j]) * (x[i, j] - mean[j]);
            scale[j] = Math.Sqrt(scale[j] / n);
        }
        return (mean, scale);
    }

    /// <summary>
    /// Newton's method on mean log-loss + λ/2 (w1² + w2²) for standardised 2-D features, written out with a
    /// 3 x 3 Hessian solved by Cramer's rule: an independent check of the probe's L-BFGS fit.
    /// </summary>
    static (double W1, double W2, double B) NewtonLogisticRegression(float[,] x, int[] y, double l2)
    {
        var (mean, scale) = Standardisation(x);
        int n = y.Length;
        var theta = new double[3]; // w1, w2, b
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var gradient = new double[3];
            var hessian = new double[3, 3];
            for (int i = 0; i < n; i++)
            {
                double[] row = [(x[i, 0] - mean[0]) / scale[0], (x[i, 1] - mean[1]) / scale[1], 1];
                double p = 1 / (1 + Math.Exp(-(theta[0] * row[0] + theta[1] * row[1] + theta[2])));
                for (int a = 0; a < 3; a++)
                {
                    gradient[a] += (p - y[i]) * row[a] / n;
                    for (int b = 0; b < 3; b++) hessian[a, b] += p * (1 - p) * row[a] * row[b] / n;
                }
            }
            for (int a = 0; a < 2; a++) { gradient[a] += l2 * theta[a]; hessian[a, a] += l2; }
            var step = Solve3(hessian, gradient);
            for (int a = 0; a < 3; a++) theta[a] -= step[a];
        }
        return (theta[0], theta[1], theta[2]);
    }

    static double[] Solve3(double[,] m, double[] v)
    {
        static double Det(double[,] a) =>
            a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0]) + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]);
        double det = Det(m);
        var result = new double[3];
        for (int c = 0; c < 3; c++)
        {
            var replaced = (double[,])m.Clone();
            for (int r = 0; r < 3; r++) replaced[r, c] = v[r];
            result[c] = Det(replaced) / det;
        }
        return result;
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
