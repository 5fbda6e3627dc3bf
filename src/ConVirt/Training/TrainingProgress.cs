namespace ConVirt.Training;

/// <summary>What a <see cref="TrainingProgress"/> event reports.</summary>
internal enum TrainingProgressKind
{
    /// <summary>A line for people (<see cref="TrainingProgress.Message"/>).</summary>
    Message,
    /// <summary>A log step: loss and throughput since the last one.</summary>
    Step,
    /// <summary>The end of an epoch (validation loss in <see cref="TrainingProgress.Loss"/> when there is validation data).</summary>
    Epoch,
}

/// <summary>What the trainer reports as it goes (the CLI renders it; the library never prints).</summary>
/// <param name="Kind">What this event reports.</param>
/// <param name="Epoch">Epoch (0-based).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="BatchesPerEpoch">Batches in this epoch.</param>
/// <param name="Step">Optimiser steps so far.</param>
/// <param name="Loss">Mean training loss since the last report (NaN when not measured).</param>
/// <param name="PairsPerSecond">Throughput since the last report.</param>
/// <param name="Eta">Estimated time to the end of the planned epochs.</param>
/// <param name="Message">Text for message events (never report text).</param>
internal sealed record TrainingProgress(TrainingProgressKind Kind, int Epoch, int Epochs, int Batch, int BatchesPerEpoch, long Step,
    double Loss, double PairsPerSecond, TimeSpan? Eta, string? Message = null)
{
    /// <summary>A message event.</summary>
    public static TrainingProgress Note(string text, int epoch = 0, long step = 0) => new(TrainingProgressKind.Message, epoch, 0, 0, 0, step, double.NaN, 0, null, text);
}
