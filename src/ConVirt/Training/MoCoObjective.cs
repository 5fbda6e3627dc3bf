using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// MoCo v2: InfoNCE of query q against its key k⁺ (other view, momentum encoder) and the queue's K negatives,
/// logits [q·k⁺, q·queueᵀ] / τ with target 0. The key encoder moves by momentum before the keys are computed;
/// the batch's keys are enqueued after the optimiser step.
/// </summary>
public sealed class MoCoObjective(MoCoModel model, double temperature) : IPretrainingObjective
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

    /// <inheritdoc />
    public void AfterStep(PairBatch batch)
    {
        if (pendingKeys is null) return;
        model.Enqueue(pendingKeys);
        pendingKeys.Dispose();
        pendingKeys = null;
    }
}
