namespace ConVirt.Models.Vision;

/// <summary>
/// The shape of a ResNet image encoder: block type, blocks per stage, padding convention and the input
/// normalisation it expects (applied inside the encoder to inputs in [0, 1]).
/// </summary>
internal sealed record ResNetSpec
{
    /// <summary>Block type.</summary>
    public ResNetBlockKind Block { get; init; } = ResNetBlockKind.Basic;
    /// <summary>Blocks in layer1..layer4.</summary>
    public int[] Layers { get; init; } = [2, 2, 2, 2];
    /// <summary>Padding convention.</summary>
    public PaddingStyle Padding { get; init; } = PaddingStyle.Symmetric;
    /// <summary>Channels of the input image: 1 for grayscale X-rays (first convolution's weights summed over colour), 3 for RGB.</summary>
    public int InChannels { get; init; } = 1;
    /// <summary>Channels of the stem and layer1 (64 in torchvision's ResNets); layer2..layer4 have 2, 4 and 8 times as many.</summary>
    public int Width { get; init; } = 64;
    /// <summary>Width of the pooled feature vector h_v: 8 x <see cref="Width"/> for basic blocks (512), 4 times that for bottlenecks (2048).</summary>
    public int FeatureDim => Width * 8 * (Block == ResNetBlockKind.Bottleneck ? 4 : 1);

    /// <summary>torchvision resnet18.</summary>
    public static ResNetSpec ResNet18 => new();
    /// <summary>torchvision resnet50 (v1.5: stride in the 3x3 convolution).</summary>
    public static ResNetSpec ResNet50 => new() { Block = ResNetBlockKind.Bottleneck, Layers = [3, 4, 6, 3] };
    /// <summary>The ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 (a CNTK export): stages 2-2-2-3, top/left padding.</summary>
    public static ResNetSpec ResNet18Cntk => new() { Layers = [2, 2, 2, 3], Padding = PaddingStyle.TopLeft };

    /// <summary>Looks up a named architecture: resnet18, resnet50, resnet18-cntk.</summary>
    public static ResNetSpec FromName(string name) => name.ToLowerInvariant() switch
    {
        "resnet18" => ResNet18,
        "resnet50" => ResNet50,
        "resnet18-cntk" => ResNet18Cntk,
        _ => throw new ArgumentException($"unknown image encoder '{name}': expected resnet18, resnet50 or resnet18-cntk", nameof(name)),
    };
}
