using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>Everything in float32: the kernels as they are (libtorch's, channels-last copies of convolution weights, <see cref="Models.Kernels.DenseKernel"/>).</summary>
internal sealed class Float32Policy : PrecisionPolicy
{
    /// <summary>The one instance (the policy has no state).</summary>
    public static Float32Policy Instance { get; } = new();

    Float32Policy() { }

    /// <inheritdoc />
    public override PrecisionMode Mode => PrecisionMode.Fp32;

    /// <inheritdoc />
    public override ScalarType ComputeType => ScalarType.Float32;

    /// <inheritdoc />
    public override string Name => "fp32";

    /// <inheritdoc />
    public override Tensor Convolution(Tensor x, Tensor weight, Tensor? bias, long stride, long padding, bool channelsLast, WeightCastCache? cache)
    {
        // a routed 1x1 kernel reads the weight as an [out, in] matrix: no channels-last copy for it
        if (!channelsLast || PointwiseConvolution.Routes(x, weight, padding)) return PointwiseConvolution.Conv2d(x, weight, bias, stride, padding);
        using var w = TensorLayout.ToChannelsLast(weight);
        return PointwiseConvolution.Conv2d(x, w, bias, stride, padding);
    }

    /// <inheritdoc />
    public override Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> float32Kernel, WeightCastCache? cache) =>
        float32Kernel(x, weight, bias);

    /// <inheritdoc />
    public override Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor additiveMask, double dropout) =>
        nn.functional.scaled_dot_product_attention(q, k, v, additiveMask, dropout);
}
