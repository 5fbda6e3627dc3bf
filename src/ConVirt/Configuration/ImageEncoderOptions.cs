using System.Text.Json.Serialization;

namespace ConVirt.Configuration;

/// <summary>The image encoder f_v.</summary>
internal sealed record ImageEncoderOptions
{
    /// <summary>resnet18, resnet50 or resnet18-cntk (the packaged ImageNet variant).</summary>
    public string Architecture { get; init; } = "resnet50";
    /// <summary>1 for grayscale X-rays (first convolution summed over colour channels), 3 for RGB.</summary>
    public int InChannels { get; init; } = 1;
    /// <summary>none (random), imagenet (packaged weights; resnet18 becomes the packaged resnet18-cntk variant), or a weights file.</summary>
    public string Weights { get; init; } = "imagenet";
    /// <summary>Convolutions through channels-last weights (same results, faster with oneDNN on CPU; see docs/benchmarks.md).</summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>
    /// The architecture after resolving packaged weights: packaged ImageNet weights exist for ResNet-18 only as the CNTK
    /// export, so <c>resnet18</c> + <c>imagenet</c> resolves to <c>resnet18-cntk</c>.
    /// </summary>
    public string ResolvedArchitecture =>
        Architecture.ToLowerInvariant() is "resnet18" && Weights.Equals("imagenet", StringComparison.OrdinalIgnoreCase) ? "resnet18-cntk" : Architecture.ToLowerInvariant();

    /// <summary>
    /// Channels of the stem and layer1, doubled by each later stage (null: the architecture's 64, so h_v has 512 or
    /// 2048 values). A smaller width gives a small encoder of the same structure (the tests use 8); packaged ImageNet
    /// weights need the default. Left out of config.json when null, so existing configurations read and write unchanged.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Width { get; init; }
    /// <summary>
    /// Blocks in layer1..layer4 (null: the architecture's, e.g. 2-2-2-2 for resnet18). Like <see cref="Width"/>, for
    /// small encoders; packaged ImageNet weights need the default. Left out of config.json when null.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? Layers { get; init; }

    /// <summary>Throws naming the first value that cannot work (a width or stage list that builds no ResNet, or one with packaged weights).</summary>
    public void Validate()
    {
        if (Width is < 1 or > 4096) throw new ArgumentException($"image encoder width must be within 1..4096, got {Width}");
        if (Layers is { } layers && (layers.Length != 4 || layers.Any(n => n is < 1 or > 64)))
            throw new ArgumentException($"image encoder layers must be 4 stage block counts within 1..64, got [{string.Join(", ", layers)}]");
        if ((Width is not null || Layers is not null) && Weights.Equals("imagenet", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("image encoder width and layers apply to random or file weights only: the packaged ImageNet weights have the architecture's own shape");
    }
}
