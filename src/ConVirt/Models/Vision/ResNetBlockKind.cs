namespace ConVirt.Models.Vision;

/// <summary>The residual block a ResNet stage is built from.</summary>
internal enum ResNetBlockKind
{
    /// <summary>Two 3x3 convolutions (ResNet-18/34). Expansion 1.</summary>
    Basic,
    /// <summary>1x1, 3x3 (strided), 1x1 convolutions (ResNet-50 and up, torchvision's v1.5). Expansion 4.</summary>
    Bottleneck,
}
