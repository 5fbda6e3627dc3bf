using ConVirt.Distributed;
using ConVirt.Losses;
using TorchSharp;

namespace ConVirt.Training;

/// <summary>A pretraining method that trains on one rank's slice of a global batch (data-parallel training).</summary>
public interface IDataParallelObjective : IPretrainingObjective
{
    /// <summary>
    /// Accumulates into the parameters' .grad this rank's part of the gradient of the global batch's loss (the parts of
    /// all ranks sum to the whole; the caller all-reduces them) and returns the global loss (detached, the same on every
    /// rank). Negatives come from every rank through <paramref name="negatives"/>; <paramref name="microBatch"/> below the
    /// slice's size caches gradients within the rank; <paramref name="seed"/> is the step's seed.
    /// </summary>
    ContrastiveLossOutput BackwardSlice(PairBatch slice, torch.Device device, GlobalNegatives negatives, int? microBatch, long seed);
}
