using ConVirt.Models.Kernels;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>An image encoder with a linear head, trained end to end for fine-tuning evaluation.</summary>
internal sealed class FineTuneClassifier : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // registered module fields keep state-dict names
    private readonly ResNetEncoder encoder;
    private readonly Linear head;
#pragma warning restore IDE1006

    /// <summary>Wraps <paramref name="encoder"/> (features [n, FeatureDim]) with a [FeatureDim, outputs] head.</summary>
    public FineTuneClassifier(ResNetEncoder encoder, int outputs) : base(nameof(FineTuneClassifier))
    {
        this.encoder = encoder;
        head = nn.Linear(encoder.FeatureDim, outputs);
        RegisterComponents();
    }

    /// <summary>Logits [n, outputs] of images [n, 1, s, s].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return ConVirt.Precision.Autocast.ToFloat32(ConVirt.Models.Kernels.DenseKernel.Linear(head, encoder.call(images))).MoveToOuterDisposeScope();   // float32 logits for the loss
    }
}
