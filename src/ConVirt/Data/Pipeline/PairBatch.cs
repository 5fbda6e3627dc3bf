using ConVirt.Data;

namespace ConVirt.Data.Pipeline;

/// <summary>
/// One batch prepared by the data path in managed memory (no tensors: built on background threads).
/// </summary>
/// <param name="Epoch">Epoch it belongs to.</param>
/// <param name="Index">Position of the batch within the epoch.</param>
/// <param name="Count">Number of examples.</param>
/// <param name="Size">Image side in pixels.</param>
/// <param name="Images">Count x 1 x Size x Size intensities in [0, 1] (first view).</param>
/// <param name="SecondViews">A second augmented view of the same images (SimCLR, MoCo), or null.</param>
/// <param name="Tokens">One tokenised sentence per example (ConVIRT), or null.</param>
/// <param name="Rows">Manifest row index of each example.</param>
internal sealed record PairBatch(int Epoch, int Index, int Count, int Size, float[] Images, float[]? SecondViews, TokenBatch? Tokens, int[] Rows)
{
    /// <summary>In data-parallel training, where these pairs sit in the global batch; null for a whole batch.</summary>
    public BatchSlice? Slice { get; init; }

    /// <summary>Pairs in the global batch this one belongs to (<see cref="Count"/> for a whole batch).</summary>
    public int GlobalCount => Slice?.GlobalCount ?? Count;
}
