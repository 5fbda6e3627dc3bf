using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// Gradient caching for contrastive batches larger than memory allows (Gao et al., "Scaling Deep Contrastive
/// Learning Batch Size under Memory Limited Setup"): (1) embed the whole batch in chunks without a graph;
/// (2) compute the loss over all N×N pairs and its gradient with respect to the embeddings only; (3) re-run
/// each chunk with a graph and back-propagate the cached embedding gradients into the parameters.
/// Dropout masks are the same in both passes (the generator is re-seeded per chunk), frozen layers are the
/// same module state, and batch-norm running statistics are updated once (restored after the first pass).
/// Parameter gradients equal those of a full-batch step wherever the forward does not mix examples; with
/// batch norm in training mode, statistics are per chunk in both passes (as with micro-batching anywhere).
/// </summary>
public static class GradientCache
{
    /// <summary>
    /// Accumulates into the parameters' .grad the gradient of the ConVIRT loss over the whole batch and returns
    /// the (detached) loss. Inputs: images [N, C, H, W], ids/mask [N, L].
    /// </summary>
    /// <remarks>
    /// With <paramref name="global"/> (data-parallel training) the inputs are this rank's slice of a global batch: the
    /// loss in step (2) is taken over the global batch through <see cref="GlobalNegatives"/>, and chunk c of the slice is
    /// seeded as the same rows' chunk of the whole batch in a single process (seed + offset / microBatch + c).
    /// </remarks>
    public static ContrastiveLossOutput Backward(ConVirtModel model, ConVirtLoss loss, Tensor images, Tensor ids, Tensor mask, int microBatch, long seed,
        GlobalNegatives? global = null)
    {
        long n = images.shape[0];
        seed += global is null ? 0 : global.Slice.Offset / microBatch;
        var chunks = new List<(long Start, long Length)>();
        for (long s = 0; s < n; s += microBatch) chunks.Add((s, Math.Min(microBatch, n - s)));

        // (1) embeddings without a graph; batch-norm buffers restored afterwards so the second pass updates them once
        var saved = model.named_buffers().Select(b => (b.buffer, copy: b.buffer.detach().clone())).ToList();
        Tensor vAll, uAll;
        using (torch.no_grad())
        {
            var vs = new List<Tensor>();
            var us = new List<Tensor>();
            for (int c = 0; c < chunks.Count; c++)
            {
                var (start, len) = chunks[c];
                torch.manual_seed(seed + c);
                vs.Add(model.EncodeImage(images.narrow(0, start, len)));
                us.Add(model.EncodeText(ids.narrow(0, start, len), mask.narrow(0, start, len)));
            }
            vAll = torch.cat(vs, 0);
            uAll = torch.cat(us, 0);
            foreach (var t in vs.Concat(us)) t.Dispose();
            foreach (var (buffer, copy) in saved) { buffer.copy_(copy); copy.Dispose(); }
        }

        // (2) loss over all pairs, gradient with respect to the embeddings only
        var (output, gv, gu) = global is null ? EmbeddingGradients(loss, vAll, uAll) : GlobalEmbeddingGradients(loss, vAll, uAll, global);
        using var _gv = gv;
        using var _gu = gu;

        // (3) replay each chunk with a graph; d(sum(v_c · g_c))/dθ = (dL/dv_c)·(dv_c/dθ)
        for (int c = 0; c < chunks.Count; c++)
        {
            using var scope = torch.NewDisposeScope();
            var (start, len) = chunks[c];
            torch.manual_seed(seed + c);
            var vc = model.EncodeImage(images.narrow(0, start, len));
            var uc = model.EncodeText(ids.narrow(0, start, len), mask.narrow(0, start, len));
            var surrogate = (vc * gv.narrow(0, start, len)).sum() + (uc * gu.narrow(0, start, len)).sum();
            surrogate.backward();
        }
        return new ContrastiveLossOutput(output.Total.detach(), output.ImageToText.detach(), output.TextToImage.detach());
    }

    /// <summary>Loss over the batch and its gradients with respect to v and u (which are disposed).</summary>
    private static (ContrastiveLossOutput, Tensor, Tensor) EmbeddingGradients(ConVirtLoss loss, Tensor vAll, Tensor uAll)
    {
        using var v = vAll.detach().requires_grad_(true);
        using var u = uAll.detach().requires_grad_(true);
        vAll.Dispose();
        uAll.Dispose();
        var output = loss.Compute(v, u);
        output.Total.backward();
        return (output, v.grad!.detach().clone(), u.grad!.detach().clone());
    }

    /// <summary>Global loss and the gradients of this rank's rows of v and u (which are disposed).</summary>
    private static (ContrastiveLossOutput, Tensor, Tensor) GlobalEmbeddingGradients(ConVirtLoss loss, Tensor vAll, Tensor uAll, GlobalNegatives global)
    {
        using (vAll)
        using (uAll)
        {
            var (output, g) = global.Backward([vAll, uAll], t => loss.ComputeRows(t[0], t[1], global.Slice.Offset, global.Slice.Count));
            return (output, g[0], g[1]);
        }
    }

    /// <summary>
    /// Data-parallel step without chunks: this rank's slice forward once with a graph (seeded as the slice's chunk of a
    /// single process with micro-batches of the slice's size), the global loss through <paramref name="global"/>, and the
    /// gradients of this rank's rows back-propagated into the parameters. Returns the (detached) global loss.
    /// </summary>
    public static ContrastiveLossOutput BackwardSlice(ConVirtModel model, ConVirtLoss loss, Tensor images, Tensor ids, Tensor mask, long seed, GlobalNegatives global)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(seed + global.Slice.Offset / Math.Max(1, global.Slice.Count));
        var (v, u) = model.call(images, ids, mask);
        var (output, g) = global.Backward([v, u], t => loss.ComputeRows(t[0], t[1], global.Slice.Offset, global.Slice.Count));
        ((v * g[0]).sum() + (u * g[1]).sum()).backward();
        return new ContrastiveLossOutput(output.Total.MoveToOuterDisposeScope(), output.ImageToText.MoveToOuterDisposeScope(), output.TextToImage.MoveToOuterDisposeScope());
    }
}
