namespace ConVirt.Evaluation;

/// <summary>Scores at one label fraction: mean over runs and a 95% bootstrap interval (NaN runs left out), over the runs or
/// over the test set (<see cref="Interval"/>).</summary>
/// <param name="Fraction">Share of the training labels used, in (0, 1].</param>
/// <param name="TrainCount">Mean labelled training examples per run.</param>
/// <param name="Auc">AUC over runs.</param>
/// <param name="Accuracy">Accuracy over runs.</param>
/// <param name="BalancedAccuracy">Balanced accuracy over runs.</param>
/// <param name="Runs">Every run.</param>
/// <param name="Interval">What the intervals resample: the runs, or (100 % labels of the linear probe) the test set.</param>
internal sealed record FractionScores(double Fraction, double TrainCount, MeanInterval Auc, MeanInterval Accuracy, MeanInterval BalancedAccuracy,
    IReadOnlyList<RunScore> Runs, IntervalSource Interval = IntervalSource.Runs)
{
    /// <summary>Summarises <paramref name="runs"/> with <see cref="BootstrapInterval.Mean95"/> (seeded).</summary>
    public static FractionScores Summarise(double fraction, IReadOnlyList<RunScore> runs, int seed) => new(
        fraction,
        runs.Average(r => r.TrainCount),
        Spread(runs.Select(r => r.Auc), seed),
        Spread(runs.Select(r => r.Accuracy), seed),
        Spread(runs.Select(r => r.BalancedAccuracy), seed),
        runs);

    static MeanInterval Spread(IEnumerable<double> values, int seed)
    {
        var finite = values.Where(v => !double.IsNaN(v)).ToList();
        return finite.Count == 0 ? new MeanInterval(double.NaN, double.NaN, double.NaN) : BootstrapInterval.Mean95(finite, seed: seed);
    }
}
