using ConVirt.Data.Pipeline;
using ConVirt.Distributed;
using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// The one training step, for every method, on 1 or N ranks, with or without micro-batches. A rank holds its slice of
/// the global batch (a single process: the whole batch, a world of size 1); the slice is cut into micro-batches of
/// near-equal size (one chunk when no micro-batch is set or it is not smaller than the slice). With one chunk the
/// slice is embedded once with a graph; with several, gradient caching (Gao et al., "Scaling Deep Contrastive Learning
/// Batch Size under Memory Limited Setup", as OpenCLIP caches features for any loss): (1) embed every chunk without a
/// graph, (2) the loss over the global batch and its gradient with respect to this rank's embeddings only
/// (<see cref="GlobalNegatives"/>), (3) re-run each chunk with a graph and back-propagate the cached embedding gradients.
/// A smaller last batch of an epoch is cut into as many chunks as a full batch (<see cref="Chunks"/>), as N ranks cut it
/// into N slices.
/// Chunk c of the global batch's chunk sequence is seeded with seed + c in both passes, so that dropout masks are the
/// same in both passes and N ranks draw what one process with micro-batches of the ranks' slices draws. Batch-norm
/// buffers are restored after pass (1) so that they are updated once.
/// </summary>
internal static class TrainingStep
{
    /// <summary>
    /// Accumulates into the parameters' .grad this rank's part of the gradient of the global batch's loss (the parts of
    /// all ranks sum to the whole; the distribution all-reduces them) and returns the global loss, detached, the same on
    /// every rank.
    /// </summary>
    /// <param name="objective">The method's objective.</param>
    /// <param name="slice">This rank's rows of the batch (a single process: the whole batch).</param>
    /// <param name="device">Where the model is.</param>
    /// <param name="negatives">Where the slice sits in the global batch, and the collectives.</param>
    /// <param name="microBatch">Micro-batch size (gradient caching); null = one chunk per rank.</param>
    /// <param name="seed">The step's seed.</param>
    /// <param name="batchSize">The configured global batch size (a smaller last batch is cut into as many chunks as a full one); null = the batch's own.</param>
    public static ContrastiveLossOutput Backward(IPretrainingObjective objective, PairBatch slice, Device device, GlobalNegatives negatives, int? microBatch, long seed, int? batchSize = null)
    {
        using var scope = torch.NewDisposeScope();
        var output = Backward(objective, objective.Inputs(slice, device), negatives, microBatch, seed, batchSize);
        return new ContrastiveLossOutput(output.Total.MoveToOuterDisposeScope(), output.ImageToText.MoveToOuterDisposeScope(), output.TextToImage.MoveToOuterDisposeScope());
    }

    /// <summary>The step on inputs already on the device (<see cref="IPretrainingObjective.Inputs"/>: one row per pair of this rank's slice).</summary>
    public static ContrastiveLossOutput Backward(IPretrainingObjective objective, Tensor[] inputs, GlobalNegatives negatives, int? microBatch, long seed, int? batchSize = null)
    {
        using (torch.no_grad()) objective.BeforeStep();
        using var scope = torch.NewDisposeScope();
        var plan = Chunks(negatives, microBatch, batchSize);
        var output = plan.Chunks.Count == 1
            ? Direct(objective, inputs, negatives, seed + plan.FirstIndex)
            : Cached(objective, inputs, negatives, plan, seed);
        return new ContrastiveLossOutput(output.Total.detach().MoveToOuterDisposeScope(), output.ImageToText.detach().MoveToOuterDisposeScope(),
            output.TextToImage.detach().MoveToOuterDisposeScope());
    }

    /// <summary>Forward pass and loss of a whole batch (validation; train or eval mode as set on the module).</summary>
    public static ContrastiveLossOutput Loss(IPretrainingObjective objective, PairBatch batch, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var output = objective.LossRows(objective.Embed(objective.Inputs(batch, device)), 0, batch.Count);
        return new ContrastiveLossOutput(output.Total.MoveToOuterDisposeScope(), output.ImageToText.MoveToOuterDisposeScope(), output.TextToImage.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// This rank's chunks (start, length within its slice) and the index of its first chunk in the global batch's chunk
    /// sequence. Rank r's slice of a full batch of <paramref name="batchSize"/> rows holds n_r rows and is cut into
    /// k_r = ⌈n_r / m⌉ chunks for micro-batch m (1 without one); every batch, a smaller last batch of the epoch included,
    /// is cut into the same k_r near-equal chunks (<see cref="BatchSlice.Start"/>; fewer only when it has fewer rows), as N
    /// ranks always cut a batch into N slices: one process with micro-batches B/N and N ranks compute the same chunks.
    /// </summary>
    /// <param name="negatives">This rank's slice of the batch being trained.</param>
    /// <param name="microBatch">Largest chunk of a full batch's slice; null = one chunk.</param>
    /// <param name="batchSize">The configured (full) global batch size; null = this batch's own size.</param>
    public static (IReadOnlyList<(long Start, long Length)> Chunks, int FirstIndex) Chunks(GlobalNegatives negatives, int? microBatch, int? batchSize = null)
    {
        var slice = negatives.Slice;
        int full = Math.Max(batchSize ?? slice.GlobalCount, slice.GlobalCount);
        int ChunkCount(int rank, int rows)
        {
            int fullRows = BatchSlice.Of(full, rank, negatives.Ranks).Count;
            int k = microBatch is { } m && m < fullRows ? (fullRows + m - 1) / m : 1;
            return Math.Max(1, Math.Min(k, rows));
        }
        int first = 0;
        for (int r = 0; r < negatives.Rank; r++) first += ChunkCount(r, BatchSlice.Of(slice.GlobalCount, r, negatives.Ranks).Count);
        int count = ChunkCount(negatives.Rank, slice.Count);
        var chunks = new List<(long, long)>(count);
        for (int c = 0; c < count; c++)
        {
            int start = BatchSlice.Start(slice.Count, c, count);
            chunks.Add((start, BatchSlice.Start(slice.Count, c + 1, count) - start));
        }
        return (chunks, first);
    }

    /// <summary>One forward with a graph over the whole slice, the global loss, and its gradients back-propagated.</summary>
    private static ContrastiveLossOutput Direct(IPretrainingObjective objective, Tensor[] inputs, GlobalNegatives negatives, long seed)
    {
        torch.manual_seed(seed);
        var embeddings = objective.Embed(inputs);
        var (output, gradients) = negatives.Backward(embeddings, all => objective.LossRows(all, negatives.Slice.Offset, negatives.Slice.Count));
        Surrogate(embeddings, gradients)?.backward();
        return output;
    }

    /// <summary>Gradient caching over the chunks of <paramref name="plan"/>.</summary>
    private static ContrastiveLossOutput Cached(IPretrainingObjective objective, Tensor[] inputs, GlobalNegatives negatives,
        (IReadOnlyList<(long Start, long Length)> Chunks, int FirstIndex) plan, long seed)
    {
        // (1) embeddings without a graph; buffers (batch norm, MoCo's key encoder) restored so that pass (3) updates them once
        var module = objective.Module;
        var saved = module.named_buffers().Select(b => (b.buffer, copy: b.buffer.detach().clone())).ToList();
        Tensor[] all;
        using (torch.no_grad())
        {
            var parts = new List<Tensor[]>();
            for (int c = 0; c < plan.Chunks.Count; c++)
            {
                torch.manual_seed(seed + plan.FirstIndex + c);
                parts.Add(objective.Embed(Narrow(inputs, plan.Chunks[c])));
            }
            all = Enumerable.Range(0, parts[0].Length).Select(i => torch.cat(parts.Select(p => p[i]).ToList(), 0)).ToArray();
            foreach (var t in parts.SelectMany(p => p)) t.Dispose();
            foreach (var (buffer, copy) in saved) { buffer.copy_(copy); copy.Dispose(); }
        }

        // (2) the global loss, and its gradient with respect to this rank's embeddings only
        var (output, gradients) = negatives.Backward(all, t => objective.LossRows(t, negatives.Slice.Offset, negatives.Slice.Count));

        // (3) replay each chunk with a graph; d(sum(e_c · g_c))/dθ = (dL/de_c)·(de_c/dθ)
        for (int c = 0; c < plan.Chunks.Count; c++)
        {
            using var chunkScope = torch.NewDisposeScope();
            var (start, length) = plan.Chunks[c];
            torch.manual_seed(seed + plan.FirstIndex + c);
            var embeddings = objective.Embed(Narrow(inputs, plan.Chunks[c]));
            Surrogate(embeddings, gradients.Select(g => g.narrow(0, start, length)).ToArray())?.backward();
        }
        return output;
    }

    /// <summary>Σ_i sum(e_i · g_i) over the embeddings that have a graph (MoCo's keys have none); null when none has.</summary>
    private static Tensor? Surrogate(Tensor[] embeddings, Tensor[] gradients)
    {
        Tensor? sum = null;
        for (int i = 0; i < embeddings.Length; i++)
        {
            if (!embeddings[i].requires_grad) continue;
            var term = (embeddings[i] * gradients[i]).sum();
            sum = sum is null ? term : sum + term;
        }
        return sum;
    }

    private static Tensor[] Narrow(Tensor[] inputs, (long Start, long Length) chunk) =>
        inputs.Select(t => t.narrow(0, chunk.Start, chunk.Length)).ToArray();
}
