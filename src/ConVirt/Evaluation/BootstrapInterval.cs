namespace ConVirt.Evaluation;

/// <summary>Percentile-bootstrap confidence intervals for a mean (e.g. of a metric over 5 probe runs).</summary>
internal static class BootstrapInterval
{
    /// <summary>
    /// The mean of <paramref name="values"/> and a 95% percentile-bootstrap interval: draw
    /// <paramref name="resamples"/> samples of the same size with replacement (seeded), take each sample's
    /// mean, and report the 2.5th and 97.5th percentiles of those means (linear interpolation between order
    /// statistics, numpy's default).
    /// </summary>
    /// <exception cref="ArgumentException">No values, a NaN value, or fewer than one resample.</exception>
    public static MeanInterval Mean95(IReadOnlyList<double> values, int resamples = 2000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("The bootstrap needs at least one value.", nameof(values));
        if (resamples < 1) throw new ArgumentException($"resamples is {resamples}; it must be at least 1.", nameof(resamples));
        int n = values.Count;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            if (double.IsNaN(values[i])) throw new ArgumentException($"values[{i}] is NaN.", nameof(values));
            total += values[i];
        }
        var random = new Random(seed);
        var means = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += values[random.Next(n)];
            means[r] = sum / n;
        }
        Array.Sort(means);
        return new MeanInterval(total / n, Percentile(means, 2.5), Percentile(means, 97.5));
    }

    /// <summary>Percentile <paramref name="percent"/> of ascending <paramref name="sorted"/>, interpolating linearly.</summary>
    internal static double Percentile(double[] sorted, double percent)
    {
        double position = percent / 100.0 * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }
}
