using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>SimCLR: two augmented views per image, NT-Xent over the 2N views.</summary>
public sealed class SimClrObjective(SimClrModel model, double temperature) : IPretrainingObjective
{
    /// <inheritdoc />
    public nn.Module Module => model;

    /// <inheritdoc />
    public ContrastiveLossOutput Loss(PairBatch batch, Device device)
    {
        var second = batch.SecondViews ?? throw new InvalidOperationException("SimCLR needs two views per image");
        using var a = BatchTensors.Images(batch.Images, batch.Count, batch.Size, device);
        using var b = BatchTensors.Images(second, batch.Count, batch.Size, device);
        using var scope = torch.NewDisposeScope();
        var loss = NtXentLoss.Compute(model.call(a), model.call(b), temperature);
        // one loss, reported in all three slots; every tensor handed out leaves this scope
        return new ContrastiveLossOutput(loss.alias().MoveToOuterDisposeScope(), loss.alias().MoveToOuterDisposeScope(), loss.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void AfterStep(PairBatch batch) { }
}
