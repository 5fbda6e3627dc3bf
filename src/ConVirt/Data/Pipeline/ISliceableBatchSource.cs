namespace ConVirt.Data.Pipeline;

/// <summary>
/// A batch source that can build one rank's slice of a batch without building the rest (data-parallel training:
/// each rank decodes and augments only its own pairs). The slice's examples, augmentations and sentences are those
/// the same rows have in the whole batch.
/// </summary>
internal interface ISliceableBatchSource : IBatchSource
{
    /// <summary>Rank <paramref name="rank"/>'s slice (<see cref="BatchSlice.Of"/>) of <paramref name="ranks"/> of batch
    /// <paramref name="index"/> of epoch <paramref name="epoch"/>, with <see cref="PairBatch.Slice"/> set.</summary>
    PairBatch BuildSlice(int epoch, int index, int rank, int ranks);
}
