using ConVirt.Data.Pipeline;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// MoCo v2: InfoNCE of query q against its key k⁺ (other view, momentum encoder) and the queue's K negatives,
/// logits [q·k⁺, q·queueᵀ] / τ with target 0. The key encoder moves by momentum before the step's keys are computed;
/// the keys of the whole (global) batch are enqueued after the optimiser step, so every rank holds the same queue.
/// </summary>
internal sealed class MoCoObjective(MoCoModel model, double temperature) : IPretrainingObjective
{
    private Tensor? pendingKeys;

    /// <inheritdoc />
    public nn.Module Module => model;

    /// <inheritdoc />
    public ResNetEncoder ImageEncoder => model.ImageEncoder;

    /// <inheritdoc />
    public ConVirtModel? JointModel => null;

    /// <inheritdoc />
    public Tensor[] Inputs(PairBatch batch, Device device)
    {
        var second = batch.SecondViews ?? throw new InvalidOperationException("MoCo needs two views per image");
        return [BatchTensors.Images(batch.Images, batch.Count, batch.Size, device), BatchTensors.Images(second, batch.Count, batch.Size, device)];
    }

    /// <inheritdoc />
    public void BeforeStep() => model.MomentumUpdate();

    /// <inheritdoc />
    public Tensor[] Embed(Tensor[] inputs) => [nn.functional.normalize(model.call(inputs[0]), p: 2, dim: 1), model.Keys(inputs[1])];

    /// <inheritdoc />
    public ContrastiveLossOutput LossRows(Tensor[] embeddings, long offset, long count)
    {
        using var scope = torch.NewDisposeScope();
        var q = embeddings[0].narrow(0, offset, count);
        var k = embeddings[1];
        var logits = torch.cat([(q * k.narrow(0, offset, count)).sum(1, keepdim: true), q.matmul(model.Queue.t())], 1).div_(temperature);
        var share = nn.functional.cross_entropy(logits, torch.zeros(count, dtype: int64, device: q.device), reduction: nn.Reduction.Sum) / k.shape[0];
        if (model.training)
        {
            pendingKeys?.Dispose();
            pendingKeys = k.detach().clone().DetachFromDisposeScope();
        }
        return new ContrastiveLossOutput(share.alias().MoveToOuterDisposeScope(), share.alias().MoveToOuterDisposeScope(), share.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void AfterStep()
    {
        if (pendingKeys is null) return;
        model.Enqueue(pendingKeys);
        pendingKeys.Dispose();
        pendingKeys = null;
    }
}
