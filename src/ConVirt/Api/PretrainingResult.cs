namespace ConVirt;

/// <summary>How a pretraining run ended, and the encoder it produced.</summary>
/// <param name="Encoder">The trained encoder (the run folder's <c>best/</c> model when there was validation data,
/// else its latest checkpoint), loaded on the run's device and precision at the run's image size. The caller disposes it.</param>
/// <param name="StopReason">Why it ended.</param>
/// <param name="Steps">Optimiser steps done.</param>
/// <param name="Epochs">Epochs completed.</param>
/// <param name="BestValidationLoss">Best validation loss (NaN without validation data).</param>
/// <param name="PairsPerSecond">Median training throughput.</param>
/// <param name="RunFolder">The run folder (full path).</param>
public sealed record PretrainingResult(ConVirtEncoder Encoder, PretrainingStopReason StopReason, long Steps, int Epochs, double BestValidationLoss,
    double PairsPerSecond, string RunFolder);
