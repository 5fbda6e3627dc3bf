using ConVirt.Configuration;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;

namespace ConVirt.Models;

/// <summary>Builds models from configuration.</summary>
public static class ModelFactory
{
    /// <summary>
    /// The image architecture a configuration resolves to: packaged ImageNet weights exist for ResNet-18 only
    /// as the CNTK export (<c>resnet18-cntk</c>), so <c>resnet18</c> + <c>imagenet</c> becomes that variant.
    /// A configured width or stage list (small test encoders) replaces the architecture's.
    /// </summary>
    public static ResNetSpec ResolveImageSpec(ImageEncoderOptions o)
    {
        var spec = ResNetSpec.FromName(ResolveImageSpecName(o));
        return spec with { InChannels = o.InChannels, Width = o.Width ?? spec.Width, Layers = o.Layers is { } layers ? [.. layers] : spec.Layers };
    }

    /// <summary>The architecture name after resolving packaged weights (resnet18 + imagenet -> resnet18-cntk).</summary>
    public static string ResolveImageSpecName(ImageEncoderOptions o)
    {
        var arch = o.Architecture.ToLowerInvariant();
        return arch == "resnet18" && o.Weights.Equals("imagenet", StringComparison.OrdinalIgnoreCase) ? "resnet18-cntk" : arch;
    }

    /// <summary>A randomly initialised model of the configured shape, text layers frozen as configured.</summary>
    public static ConVirtModel CreateRandom(ModelOptions o)
    {
        var model = new ConVirtModel(ResolveImageSpec(o.Image), o.Text.Bert, o.ProjectionHidden, o.ProjectionDim);
        model.TextEncoder.Freeze(o.Text.FreezeEmbeddings, o.Text.FrozenLayers);
        model.ImageEncoder.ChannelsLast = o.Image.ChannelsLast;
        return model;
    }
}
