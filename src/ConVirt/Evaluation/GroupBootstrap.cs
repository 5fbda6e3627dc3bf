namespace ConVirt.Evaluation;

/// <summary>
/// A 95 % percentile-bootstrap interval of a metric over items, resampling groups (patients) with replacement
/// when items carry a group, so that the images of one patient enter or leave a resample together.
/// </summary>
internal static class GroupBootstrap
{
    /// <summary>The metric on all items, with the 2.5th and 97.5th percentiles over resamples.</summary>
    /// <param name="groups">Each item's group (e.g. patient id); null entries are groups of their own.</param>
    /// <param name="metric">The metric of a multiset of item indices; NaN when undefined (e.g. one class only): such resamples are drawn again.</param>
    /// <param name="resamples">Number of resamples.</param>
    /// <param name="seed">Seed of the draws.</param>
    public static MeanInterval Interval(IReadOnlyList<string?> groups, Func<int[], double> metric, int resamples = 1000, int seed = 0)
    {
        int n = groups.Count;
        if (n == 0) throw new ArgumentException("no items");
        double point = metric(Enumerable.Range(0, n).ToArray());
        var members = groups.Select((g, i) => (Key: g ?? "\0item" + i, i)).GroupBy(x => x.Key, StringComparer.Ordinal)
            .Select(g => g.Select(x => x.i).ToArray()).ToArray();
        var random = new Random(seed);
        var values = new List<double>(resamples);
        int attempts = 0;
        while (values.Count < resamples && attempts++ < resamples * 10)
        {
            var sample = new List<int>(n);
            for (int g = 0; g < members.Length; g++) sample.AddRange(members[random.Next(members.Length)]);
            double v = metric(sample.ToArray());
            if (!double.IsNaN(v)) values.Add(v);
        }
        if (values.Count == 0) return new MeanInterval(point, double.NaN, double.NaN);
        var sorted = values.Order().ToArray();
        return new MeanInterval(point, BootstrapInterval.Percentile(sorted, 2.5), BootstrapInterval.Percentile(sorted, 97.5));
    }
}
