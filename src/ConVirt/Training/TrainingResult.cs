namespace ConVirt.Training;

/// <summary>How a pretraining run ended.</summary>
/// <param name="State">The final trainer state.</param>
/// <param name="StopReason">Why it ended.</param>
/// <param name="BestValidationLoss">Best validation loss seen (NaN without validation data).</param>
/// <param name="PairsPerSecond">Median training throughput over logged intervals.</param>
/// <param name="DataWaitFraction">Fraction of training time spent waiting for the data path.</param>
internal sealed record TrainingResult(TrainerState State, StopReason StopReason, double BestValidationLoss, double PairsPerSecond, double DataWaitFraction);
