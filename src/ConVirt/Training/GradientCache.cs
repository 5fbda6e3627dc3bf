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
    public static ContrastiveLossOutput Backward(ConVirtModel model, ConVirtLoss loss, Tensor images, Tensor ids, Tensor mask, int microBatch, long seed)
    {
        long n = images.shape[0];
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
        using var v = vAll.detach().requires_grad_(true);
        using var u = uAll.detach().requires_grad_(true);
        vAll.Dispose();
        uAll.Dispose();
        var output = loss.Compute(v, u);
        output.Total.backward();
        using var gv = v.grad!.detach().clone();
        using var gu = u.grad!.detach().clone();

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
}
