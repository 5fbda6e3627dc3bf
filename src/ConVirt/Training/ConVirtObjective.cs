using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>ConVIRT: image and one sampled sentence per pair, bidirectional InfoNCE.</summary>
public sealed class ConVirtObjective(ConVirtModel model, ConVirtLoss loss) : IDataParallelObjective
{
    /// <summary>The trained model.</summary>
    public ConVirtModel Model { get; } = model;

    /// <inheritdoc />
    public nn.Module Module => Model;

    /// <inheritdoc />
    public ContrastiveLossOutput Loss(PairBatch batch, Device device)
    {
        var tokens = batch.Tokens ?? throw new InvalidOperationException("ConVIRT needs text in every batch");
        using var images = BatchTensors.Images(batch.Images, batch.Count, batch.Size, device);
        using var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length], device: device);
        using var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length], device: device);
        var (v, u) = Model.call(images, ids, mask);
        return loss.Compute(v, u);
    }

    /// <summary>
    /// Gradient-cached step: fills the parameters' gradients for the whole batch with at most
    /// <paramref name="microBatch"/> pairs in a graph at once, and returns the detached loss.
    /// </summary>
    public ContrastiveLossOutput BackwardCached(PairBatch batch, Device device, int microBatch, long seed)
    {
        var tokens = batch.Tokens ?? throw new InvalidOperationException("ConVIRT needs text in every batch");
        using var images = BatchTensors.Images(batch.Images, batch.Count, batch.Size, device);
        using var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length], device: device);
        using var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length], device: device);
        return GradientCache.Backward(Model, loss, images, ids, mask, microBatch, seed);
    }

    /// <inheritdoc />
    public ContrastiveLossOutput BackwardSlice(PairBatch slice, Device device, GlobalNegatives negatives, int? microBatch, long seed)
    {
        var tokens = slice.Tokens ?? throw new InvalidOperationException("ConVIRT needs text in every batch");
        using var images = BatchTensors.Images(slice.Images, slice.Count, slice.Size, device);
        using var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length], device: device);
        using var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length], device: device);
        return microBatch is { } micro && micro < slice.Count
            ? GradientCache.Backward(Model, loss, images, ids, mask, micro, seed, negatives)
            : GradientCache.BackwardSlice(Model, loss, images, ids, mask, seed, negatives);
    }

    /// <inheritdoc />
    public void AfterStep(PairBatch batch) { }
}
