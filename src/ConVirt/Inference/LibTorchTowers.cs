using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Inference;

/// <summary>The towers as the TorchSharp modules compute them: in eval mode (a module in training mode returns to it
/// after the call), without gradients; the caller's precision region applies.</summary>
/// <param name="image">The image encoder f_v.</param>
/// <param name="model">The whole model (projections, text tower), or null for an image encoder alone.</param>
internal sealed class LibTorchTowers(ResNetEncoder image, ConVirtModel? model) : IEncoderTowers
{
    /// <inheritdoc />
    public TowerBackend Backend => TowerBackend.LibTorch;

    /// <inheritdoc />
    public Tensor Images(Tensor images, bool projected)
    {
        if (projected && model is null) throw new InvalidOperationException("this encoder has no image projection g_v");
        return InEval(projected ? model! : image, () =>
        {
            using var scope = NewDisposeScope();
            var h = image.call(images);
            return (projected ? ProjectionHead.Forward(model!.ImageProjection, h) : h).MoveToOuterDisposeScope();
        });
    }

    /// <inheritdoc />
    public Tensor Texts(Tensor ids, Tensor mask, bool projected)
    {
        if (model is null) throw new InvalidOperationException("this encoder has no text tower");
        return InEval(model, () => projected ? model.EncodeText(ids, mask) : model.TextEncoder.call(ids, mask));
    }

    static Tensor InEval(nn.Module module, Func<Tensor> forward)
    {
        bool training = module.training;
        if (training) module.eval();
        try
        {
            using var noGrad = torch.no_grad();
            return forward();
        }
        finally
        {
            if (training) module.train();
        }
    }

    /// <summary>The modules belong to the loaded encoder, which disposes them.</summary>
    public void Dispose() { }
}
