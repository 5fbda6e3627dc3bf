using ConVirt.Data.Pipeline;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>SimCLR: two augmented views per image, NT-Xent over the 2N views.</summary>
internal sealed class SimClrObjective(SimClrModel model, double temperature) : IPretrainingObjective
{
    /// <inheritdoc />
    public nn.Module Module => model;

    /// <inheritdoc />
    public ResNetEncoder ImageEncoder => model.ImageEncoder;

    /// <inheritdoc />
    public ConVirtModel? JointModel => null;

    /// <inheritdoc />
    public Tensor[] Inputs(PairBatch batch, Device device)
    {
        var second = batch.SecondViews ?? throw new InvalidOperationException("SimCLR needs two views per image");
        return [BatchTensors.Images(batch.Images, batch.Count, batch.Size, device), BatchTensors.Images(second, batch.Count, batch.Size, device)];
    }

    /// <inheritdoc />
    public Tensor[] Embed(Tensor[] inputs) => [model.call(inputs[0]), model.call(inputs[1])];

    /// <inheritdoc />
    public ContrastiveLossOutput LossRows(Tensor[] embeddings, long offset, long count)
    {
        var share = NtXentLoss.ComputeRows(embeddings[0], embeddings[1], offset, count, temperature);
        return new ContrastiveLossOutput(share, share.alias(), share.alias());   // one loss, reported in all three slots
    }
}
