namespace ConVirt.Data.Pipeline;

/// <summary>
/// Produces the batches of an epoch deterministically from (seed, epoch, batch index), so that a resumed
/// run sees exactly the batches an uninterrupted run would have seen.
/// </summary>
internal interface IBatchSource
{
    /// <summary>Batches in epoch <paramref name="epoch"/> (0-based).</summary>
    int BatchCount(int epoch);

    /// <summary>Builds batch <paramref name="index"/> of epoch <paramref name="epoch"/>. Thread-safe.</summary>
    PairBatch Build(int epoch, int index);
}
