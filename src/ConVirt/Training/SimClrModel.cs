using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// SimCLR: the image encoder (<c>image_encoder.*</c>, as in ConVIRT runs, so evaluation loads it the same way)
/// and a projection MLP (<c>projection.{0,2}.*</c>).
/// </summary>
internal sealed class SimClrModel : nn.Module<Tensor, Tensor>
{
    private readonly ResNetEncoder image_encoder;
    private readonly Sequential projection;

    public SimClrModel(ResNetEncoder encoder, int hidden, int dim) : base(nameof(SimClrModel))
    {
        image_encoder = encoder;
        projection = ProjectionHead.Create(encoder.FeatureDim, hidden, dim);
        RegisterComponents();
    }

    /// <summary>The trained image encoder.</summary>
    public ResNetEncoder ImageEncoder => image_encoder;

    /// <summary>Images [B, C, H, W] -> projections z [B, d].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return ProjectionHead.Forward(projection, image_encoder.call(images)).MoveToOuterDisposeScope();
    }
}
