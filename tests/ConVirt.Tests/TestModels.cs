using ConVirt.Models.Vision;

namespace ConVirt.Tests;

/// <summary>Model shapes for tests: the real architectures' structure at a fraction of their cost.</summary>
internal static class TestModels
{
    /// <summary>Channels of the stem and layer1 in <see cref="TinyResNet"/> (torchvision's 64 / 4).</summary>
    /// <remarks>
    /// Not smaller: with 8-channel 3x3 convolutions, libtorch 2.x on CPU with 2 threads computes float32 weight
    /// gradients that depend on the batch split (GradientCacheTests.CachedGradientsEqualFullBatchGradients: 0.35 of
    /// the gradient's scale apart at width 8 and 2 threads, 2e-6 with 1 thread; widths 16, 32 and 64 agree to 2e-6).
    /// </remarks>
    public const int TinyWidth = 16;

    /// <summary>
    /// ResNet-18's structure (basic blocks, stages 2-2-2-2, the same parameter names, strides and downsampling
    /// paths) at width 16: 1/16 of the convolution work and of the parameters (about 0.7 M), h_v of 128 values.
    /// Tests that need torchvision's exact shapes (weight files, parameter counts, packaged weights) use the full one.
    /// </summary>
    public static ResNetSpec TinyResNet => ResNetSpec.ResNet18 with { Width = TinyWidth };
}
