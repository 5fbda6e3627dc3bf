using ConVirt.Data.Pipeline;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>ConVIRT: image and one sampled sentence per pair, bidirectional InfoNCE over v and u.</summary>
internal sealed class ConVirtObjective(ConVirtModel model, ConVirtLoss loss) : IPretrainingObjective
{
    /// <summary>The trained model.</summary>
    public ConVirtModel Model { get; } = model;

    /// <inheritdoc />
    public nn.Module Module => Model;

    /// <inheritdoc />
    public ResNetEncoder ImageEncoder => Model.ImageEncoder;

    /// <inheritdoc />
    public ConVirtModel? JointModel => Model;

    /// <inheritdoc />
    public Tensor[] Inputs(PairBatch batch, Device device)
    {
        var tokens = batch.Tokens ?? throw new InvalidOperationException("ConVIRT needs text in every batch");
        return
        [
            BatchTensors.Images(batch.Images, batch.Count, batch.Size, device),
            torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length], device: device),
            torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length], device: device),
        ];
    }

    /// <inheritdoc />
    public Tensor[] Embed(Tensor[] inputs) => [Model.EncodeImage(inputs[0]), Model.EncodeText(inputs[1], inputs[2])];

    /// <inheritdoc />
    public ContrastiveLossOutput LossRows(Tensor[] embeddings, long offset, long count) => loss.ComputeRows(embeddings[0], embeddings[1], offset, count);
}
