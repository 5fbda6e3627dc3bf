namespace ConVirt.Training;

/// <summary>Where a run stands: saved with every checkpoint so a resumed run continues exactly.</summary>
/// <param name="Epoch">Epoch in progress (0-based).</param>
/// <param name="NextBatch">First batch of <paramref name="Epoch"/> not yet trained.</param>
/// <param name="Step">Optimiser steps taken so far.</param>
/// <param name="Schedule">Learning rate, best validation loss and patience counters.</param>
/// <param name="Finished">True when training ended (epochs done or early stop).</param>
internal sealed record TrainerState(int Epoch, int NextBatch, long Step, PlateauSchedule Schedule, bool Finished = false);
