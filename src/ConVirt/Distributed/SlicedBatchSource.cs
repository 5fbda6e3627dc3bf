using ConVirt.Data.Pipeline;
using ConVirt.Training;

namespace ConVirt.Distributed;

/// <summary>
/// One rank's view of a training source: every batch of the global (seed, epoch, batch) plan, cut to this rank's
/// slice (<see cref="BatchSlice.Of"/>). Sources that can build a slice alone (<see cref="ISliceableBatchSource"/>)
/// do so; others build the whole batch and are cut here.
/// </summary>
internal sealed class SlicedBatchSource(IBatchSource inner, int rank, int ranks) : IBatchSource
{
    /// <inheritdoc />
    public int BatchCount(int epoch) => inner.BatchCount(epoch);

    /// <inheritdoc />
    public PairBatch Build(int epoch, int index) => inner is ISliceableBatchSource sliceable
        ? sliceable.BuildSlice(epoch, index, rank, ranks)
        : Cut(inner.Build(epoch, index), rank, ranks);

    /// <summary>Rank <paramref name="rank"/>'s rows of a whole batch (tokens keep the batch's padded length).</summary>
    public static PairBatch Cut(PairBatch batch, int rank, int ranks)
    {
        var slice = BatchSlice.Of(batch.Count, rank, ranks);
        int pixels = batch.Size * batch.Size, start = slice.Offset, n = slice.Count;
        float[] Rows(float[] values) => values.AsSpan(start * pixels, n * pixels).ToArray();
        var tokens = batch.Tokens is { } t
            ? new Data.TokenBatch(t.InputIds.AsSpan(start * t.Length, n * t.Length).ToArray(), t.AttentionMask.AsSpan(start * t.Length, n * t.Length).ToArray(), n, t.Length)
            : null;
        return new PairBatch(batch.Epoch, batch.Index, n, batch.Size, Rows(batch.Images), batch.SecondViews is null ? null : Rows(batch.SecondViews), tokens,
            batch.Rows.AsSpan(start, n).ToArray()) { Slice = slice };
    }
}
