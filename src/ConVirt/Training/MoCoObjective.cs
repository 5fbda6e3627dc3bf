using ConVirt.Distributed;
using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// MoCo v2: InfoNCE of query q against its key k⁺ (other view, momentum encoder) and the queue's K negatives,
/// logits [q·k⁺, q·queueᵀ] / τ with target 0. The key encoder moves by momentum before the keys are computed;
/// the batch's keys are enqueued after the optimiser step.
/// </summary>
public sealed class MoCoObjective(MoCoModel model, double temperature) : IDataParallelObjective
{
    private Tensor? pendingKeys;

    /// <inheritdoc />
    public nn.Module Module => model;

    /// <inheritdoc />
    public ContrastiveLossOutput Loss(PairBatch batch, Device device)
    {
        var second = batch.SecondViews ?? throw new InvalidOperationException("MoCo needs two views per image");
        using var a = BatchTensors.Images(batch.Images, batch.Count, batch.Size, device);
        using var b = BatchTensors.Images(second, batch.Count, batch.Size, device);
        bool training = model.training;
        if (training) model.MomentumUpdate();
        using var scope = torch.NewDisposeScope();
        var q = nn.functional.normalize(model.call(a), p: 2, dim: 1);            // [N, d]
        var k = model.Keys(b);                                                    // [N, d]
        var positive = (q * k).sum(1, keepdim: true);                             // [N, 1]
        var negative = q.matmul(model.Queue.t());                                 // [N, K]
        var logits = torch.cat([positive, negative], 1).div_(temperature);
        var loss = nn.functional.cross_entropy(logits, torch.zeros(batch.Count, dtype: int64, device: q.device));
        if (training)
        {
            pendingKeys?.Dispose();
            pendingKeys = k.detach().MoveToOuterDisposeScope();
            pendingKeys.DetachFromDisposeScope();
        }
        return new ContrastiveLossOutput(loss.alias().MoveToOuterDisposeScope(), loss.alias().MoveToOuterDisposeScope(), loss.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Data-parallel step: the queries and keys of this rank's slice (batch norm per slice), the share of the global loss
    /// of its rows (cross-entropy summed over them, divided by the global batch), back-propagated here; the keys of all
    /// ranks are gathered for the queue (MoCo's <c>concat_all_gather</c>), so every rank enqueues the same global batch.
    /// </summary>
    public ContrastiveLossOutput BackwardSlice(PairBatch slice, Device device, GlobalNegatives negatives, int? microBatch, long seed)
    {
        var second = slice.SecondViews ?? throw new InvalidOperationException("MoCo needs two views per image");
        using var a = BatchTensors.Images(slice.Images, slice.Count, slice.Size, device);
        using var b = BatchTensors.Images(second, slice.Count, slice.Size, device);
        model.MomentumUpdate();
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(seed + negatives.Slice.Offset / Math.Max(1, slice.Count));
        var q = nn.functional.normalize(model.call(a), p: 2, dim: 1);
        var k = model.Keys(b);
        var logits = torch.cat([(q * k).sum(1, keepdim: true), q.matmul(model.Queue.t())], 1).div_(temperature);
        var share = nn.functional.cross_entropy(logits, torch.zeros(slice.Count, dtype: int64, device: q.device), reduction: nn.Reduction.Sum) / negatives.Slice.GlobalCount;
        share.backward();
        var loss = negatives.Sum(new ContrastiveLossOutput(share, share, share));
        pendingKeys?.Dispose();
        pendingKeys = negatives.Gather(k).MoveToOuterDisposeScope();
        pendingKeys.DetachFromDisposeScope();
        return new ContrastiveLossOutput(loss.Total.MoveToOuterDisposeScope(), loss.ImageToText.MoveToOuterDisposeScope(), loss.TextToImage.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void AfterStep(PairBatch batch)
    {
        if (pendingKeys is null) return;
        model.Enqueue(pendingKeys);
        pendingKeys.Dispose();
        pendingKeys = null;
    }
}
