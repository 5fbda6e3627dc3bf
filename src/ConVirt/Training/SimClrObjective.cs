using ConVirt.Distributed;
using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>SimCLR: two augmented views per image, NT-Xent over the 2N views.</summary>
public sealed class SimClrObjective(SimClrModel model, double temperature) : IDataParallelObjective
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
    public ContrastiveLossOutput BackwardSlice(PairBatch slice, Device device, GlobalNegatives negatives, int? microBatch, long seed)
    {
        var second = slice.SecondViews ?? throw new InvalidOperationException("SimCLR needs two views per image");
        using var a = BatchTensors.Images(slice.Images, slice.Count, slice.Size, device);
        using var b = BatchTensors.Images(second, slice.Count, slice.Size, device);
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(seed + negatives.Slice.Offset / Math.Max(1, slice.Count));
        var za = model.call(a);
        var zb = model.call(b);
        var (loss, g) = negatives.Backward([za, zb], t =>
        {
            var share = NtXentLoss.ComputeRows(t[0], t[1], negatives.Slice.Offset, negatives.Slice.Count, temperature);
            return new ContrastiveLossOutput(share, share, share);
        });
        ((za * g[0]).sum() + (zb * g[1]).sum()).backward();
        return new ContrastiveLossOutput(loss.Total.MoveToOuterDisposeScope(), loss.ImageToText.MoveToOuterDisposeScope(), loss.TextToImage.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void AfterStep(PairBatch batch) { }
}
