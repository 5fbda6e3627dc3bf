namespace ConVirt.Training;

/// <summary>What the trainer reports as it goes (the CLI renders it; the library never prints).</summary>
/// <param name="Kind">step, epoch, checkpoint, message.</param>
/// <param name="Epoch">Epoch (0-based).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">Batches in this epoch.</param>
/// <param name="Step">Optimiser steps so far.</param>
/// <param name="Loss">Mean training loss since the last report (NaN when not measured).</param>
/// <param name="PairsPerSecond">Throughput since the last report.</param>
/// <param name="Eta">Estimated time to the end of the planned epochs.</param>
/// <param name="Message">Text for message events (never report text).</param>
public sealed record TrainingProgress(string Kind, int Epoch, int Epochs, int Batch, int BatchesPerEpoch, long Step,
    double Loss, double PairsPerSecond, TimeSpan? Eta, string? Message = null);
