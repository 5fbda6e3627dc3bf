namespace ConVirt.Training;

/// <summary>
/// The learning-rate plateau schedule and early stopping as a pure value: after each epoch's validation
/// loss, <see cref="Observe"/> returns the next state. The learning rate is multiplied by
/// <paramref name="Factor"/> after <paramref name="Patience"/> epochs without improvement (the counter then
/// restarts, as PyTorch's ReduceLROnPlateau); training stops after <paramref name="StopPatience"/> epochs
/// without improvement.
/// </summary>
internal sealed record PlateauSchedule(double LearningRate, double Factor, int Patience, int StopPatience,
    double BestLoss = double.PositiveInfinity, int EpochsSinceBest = 0, int EpochsSinceReduction = 0, bool ShouldStop = false)
{
    /// <summary>Relative improvement needed to count as better (PyTorch's default threshold, mode rel).</summary>
    public const double Threshold = 1e-4;

    /// <summary>The state after an epoch whose validation loss was <paramref name="validationLoss"/>.</summary>
    public PlateauSchedule Observe(double validationLoss)
    {
        if (double.IsNaN(validationLoss)) return this with { ShouldStop = true };
        if (validationLoss < BestLoss * (1 - Threshold))
            return this with { BestLoss = validationLoss, EpochsSinceBest = 0, EpochsSinceReduction = 0, ShouldStop = false };
        int sinceBest = EpochsSinceBest + 1, sinceReduction = EpochsSinceReduction + 1;
        double lr = LearningRate;
        if (sinceReduction > Patience)
        {
            lr *= Factor;
            sinceReduction = 0;
        }
        return this with { LearningRate = lr, EpochsSinceBest = sinceBest, EpochsSinceReduction = sinceReduction, ShouldStop = sinceBest >= StopPatience };
    }

    /// <summary>True when the last observation was the best so far.</summary>
    public bool LastWasBest => EpochsSinceBest == 0 && !double.IsPositiveInfinity(BestLoss);
}
