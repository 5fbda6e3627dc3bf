using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models;

/// <summary>
/// The ConVIRT model: image encoder f_v + projection g_v, text encoder f_u + projection g_u.
/// State dict keys: <c>image_encoder.*</c> (torchvision ResNet names), <c>text_encoder.*</c> (HuggingFace
/// BertModel names), <c>image_projection.{0,2}.*</c>, <c>text_projection.{0,2}.*</c>.
/// </summary>
internal sealed class ConVirtModel : nn.Module<Tensor, Tensor, Tensor, (Tensor V, Tensor U)>
{
    private readonly ResNetEncoder image_encoder;
    private readonly BertTextEncoder text_encoder;
    private readonly Sequential image_projection;
    private readonly Sequential text_projection;

    /// <summary>Builds a randomly initialised model of the given shape.</summary>
    public ConVirtModel(ResNetSpec image, BertSpec text, int projectionHidden = 512, int projectionDim = 512)
        : this(new ResNetEncoder(image), new BertTextEncoder(text), projectionHidden, projectionDim) { }

    /// <summary>Builds a model around existing encoders (e.g. with pretrained weights) and new projection heads.</summary>
    public ConVirtModel(ResNetEncoder image, BertTextEncoder text, int projectionHidden = 512, int projectionDim = 512) : base(nameof(ConVirtModel))
    {
        image_encoder = image;
        text_encoder = text;
        image_projection = ProjectionHead.Create(image.FeatureDim, projectionHidden, projectionDim);
        text_projection = ProjectionHead.Create(text.FeatureDim, projectionHidden, projectionDim);
        RegisterComponents();
    }

    /// <summary>f_v.</summary>
    public ResNetEncoder ImageEncoder => image_encoder;
    /// <summary>f_u.</summary>
    public BertTextEncoder TextEncoder => text_encoder;
    /// <summary>g_v.</summary>
    public Sequential ImageProjection => image_projection;
    /// <summary>g_u.</summary>
    public Sequential TextProjection => text_projection;

    /// <summary>Pooled image features h_v [B, 512|2048] for images [B, C, H, W] in [0, 1].</summary>
    public Tensor ImageFeatures(Tensor images) => image_encoder.call(images);

    /// <summary>Projected image vectors v = g_v(f_v(x)) [B, d].</summary>
    public Tensor EncodeImage(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return ProjectionHead.Forward(image_projection, image_encoder.call(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Projected text vectors u = g_u(f_u(ids, mask)) [B, d].</summary>
    public Tensor EncodeText(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        return ProjectionHead.Forward(text_projection, text_encoder.call(inputIds, attentionMask)).MoveToOuterDisposeScope();
    }

    /// <summary>The loss input: (v, u) for a batch of pairs.</summary>
    public override (Tensor V, Tensor U) forward(Tensor images, Tensor inputIds, Tensor attentionMask) =>
        (EncodeImage(images), EncodeText(inputIds, attentionMask));
}
