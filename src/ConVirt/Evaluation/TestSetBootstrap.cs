using System.Text.Json.Serialization;

namespace ConVirt.Evaluation;

/// <summary>What the interval of a <see cref="FractionScores"/> resamples.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IntervalSource>))]
internal enum IntervalSource
{
    /// <summary>The runs: a percentile bootstrap of the mean over runs (each run trains on another labelled subset).</summary>
    Runs,

    /// <summary>The test set: a percentile bootstrap over resamples of the test rows, each scored as the mean over runs
    /// (for 100 % labels, where every run trains on the same rows and the runs' spread says nothing about the test set's).</summary>
    TestSet,
}

/// <summary>Percentile-bootstrap intervals of test scores over resamples of the test set.</summary>
internal static class TestSetBootstrap
{
    /// <summary>
    /// Means over runs of the full test set's scores, with 95 % percentile-bootstrap intervals: each of
    /// <paramref name="resamples"/> seeded draws of the test rows with replacement is scored for every run
    /// (<see cref="TaskScores.Compute"/>), the runs' scores averaged (NaN left out), and the 2.5th and 97.5th
    /// percentiles of those averages reported (a draw whose every run scores NaN, e.g. one class only, is left out).
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="probabilities">Each run's [n, outputs] test probabilities (at least one run).</param>
    /// <param name="classes">Class index per test row (single-label), else null.</param>
    /// <param name="targets">[n, labels] 0/1 targets (multi-label), else null.</param>
    /// <param name="resamples">Bootstrap draws (at least 1).</param>
    /// <param name="seed">Seed of the draws.</param>
    public static (MeanInterval Auc, MeanInterval Accuracy, MeanInterval BalancedAccuracy) Scores(LabelTask task, IReadOnlyList<float[,]> probabilities,
        int[]? classes, int[,]? targets, int resamples = 1000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(probabilities);
        if (probabilities.Count == 0) throw new ArgumentException("no run to score", nameof(probabilities));
        if (resamples < 1) throw new ArgumentException($"resamples is {resamples}; it must be at least 1.", nameof(resamples));
        int n = probabilities[0].GetLength(0), outputs = probabilities[0].GetLength(1);
        if (n == 0) throw new ArgumentException("the test set is empty", nameof(probabilities));
        var full = probabilities.Select(p => TaskScores.Compute(task, p, classes, targets)).ToList();
        var draws = new List<double>[3] { [], [], [] };
        var random = new Random(seed);
        var rows = new int[n];
        var p = new float[n, outputs];
        var c = classes is null ? null : new int[n];
        var t = targets is null ? null : new int[n, targets.GetLength(1)];
        var sums = new double[3];
        var counts = new int[3];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < n; i++) rows[i] = random.Next(n);
            for (int i = 0; i < n; i++)
            {
                if (c is not null) c[i] = classes![rows[i]];
                if (t is not null) for (int l = 0; l < t.GetLength(1); l++) t[i, l] = targets![rows[i], l];
            }
            Array.Clear(sums);
            Array.Clear(counts);
            foreach (var run in probabilities)
            {
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < outputs; j++) p[i, j] = run[rows[i], j];
                var s = TaskScores.Compute(task, p, c, t);
                Add(0, s.Auc);
                Add(1, s.Accuracy);
                Add(2, s.BalancedAccuracy);
            }
            for (int m = 0; m < 3; m++)
                if (counts[m] > 0) draws[m].Add(sums[m] / counts[m]);
        }
        return (Interval(full.Select(s => s.Auc), draws[0]), Interval(full.Select(s => s.Accuracy), draws[1]),
            Interval(full.Select(s => s.BalancedAccuracy), draws[2]));

        void Add(int metric, double value)
        {
            if (double.IsNaN(value)) return;
            sums[metric] += value;
            counts[metric]++;
        }
    }

    static MeanInterval Interval(IEnumerable<double> runs, List<double> draws)
    {
        var finite = runs.Where(v => !double.IsNaN(v)).ToList();
        if (finite.Count == 0 || draws.Count == 0) return new MeanInterval(double.NaN, double.NaN, double.NaN);
        var sorted = draws.Order().ToArray();
        return new MeanInterval(finite.Average(), BootstrapInterval.Percentile(sorted, 2.5), BootstrapInterval.Percentile(sorted, 97.5));
    }
}
