namespace ConVirt.Bench;

/// <summary>Median and spread of repeated measurements.</summary>
internal sealed record Stats(double Median, double Min, double Max, int N, double[] Values)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return new Stats(double.NaN, double.NaN, double.NaN, 0, v);
        var s = v.OrderBy(x => x).ToArray();
        double median = s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        return new Stats(median, s[0], s[^1], s.Length, v);
    }

    /// <summary>"median (min-max, n=N)" with the given format.</summary>
    public string Show(string format = "F3", string unit = "") =>
        $"{Median.ToString(format)}{unit} (range {Min.ToString(format)}-{Max.ToString(format)}, n={N})";
}
