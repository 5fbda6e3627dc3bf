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
}
