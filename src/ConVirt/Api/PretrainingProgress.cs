namespace ConVirt;

/// <summary>What a pretraining run reports as it goes (<see cref="ConVirtPretraining.Run"/>): one value per logged
/// step window, per epoch end and per message. Never contains report text.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Epoch">Epoch (0-based).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Step">Optimiser steps so far.</param>
/// <param name="Loss">Mean training loss of the window (<see cref="PretrainingProgressKind.Step"/>) or validation
/// loss (<see cref="PretrainingProgressKind.Epoch"/>); NaN when not measured.</param>
/// <param name="PairsPerSecond">Throughput of the window (0 when not measured).</param>
/// <param name="Eta">Estimated time to the end of the planned epochs, when known.</param>
/// <param name="Message">A line for people (set for messages and epoch ends), or null.</param>
public sealed record PretrainingProgress(PretrainingProgressKind Kind, int Epoch, int Epochs, long Step, double Loss, double PairsPerSecond,
    TimeSpan? Eta, string? Message);
