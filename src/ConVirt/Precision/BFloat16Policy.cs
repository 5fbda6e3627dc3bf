using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>
/// Mixed precision as <c>torch.autocast(dtype=torch.bfloat16)</c> defines it: convolutions, linear layers and attention
/// take bfloat16 operands (inputs cast, weights copied once per region through the <see cref="WeightCastCache"/>) and
/// return bfloat16. What consumes those outputs keeps float32 where it matters: batch norm runs libtorch's mixed-type
/// kernel (bfloat16 activations, float32 weights, running statistics and arithmetic), a bfloat16 projection added to
/// BERT's float32 residual stream promotes to float32 so every LayerNorm runs in float32, and the towers' outputs
/// (pooled features, projections) are cast to float32 before L2 normalisation, the losses and logits. Parameters and
/// optimiser state stay float32 (master weights); gradients reach them in float32 through the casts.
/// </summary>
internal sealed class BFloat16Policy(Bf16Kernels kernels) : PrecisionPolicy
{
    /// <summary>Which kernels compute the bfloat16 operations.</summary>
    public Bf16Kernels Kernels { get; } = kernels;

    /// <inheritdoc />
    public override PrecisionMode Mode => PrecisionMode.Bf16;

    /// <inheritdoc />
    public override ScalarType ComputeType => ScalarType.BFloat16;

    /// <inheritdoc />
    public override string Name => Kernels == Bf16Kernels.Native ? "bf16 (native kernels)" : "bf16 (float32 kernels on bfloat16 operands)";

    /// <inheritdoc />
    public override Tensor Convolution(Tensor x, Tensor weight, Tensor? bias, long stride, long padding, bool channelsLast, WeightCastCache? cache)
    {
        using var scope = torch.NewDisposeScope();
        var w = Weight(weight, channelsLast, cache);
        var b = bias is null ? null : Weight(bias, false, cache);
        Tensor y = Kernels == Bf16Kernels.Native
            ? PointwiseConvolution.Conv2d(Operand(x), w, b, stride, padding)
            : PointwiseConvolution.Conv2d(Operand(x), w, b, stride, padding).to(ScalarType.BFloat16);
        return y.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> float32Kernel, WeightCastCache? cache)
    {
        using var scope = torch.NewDisposeScope();
        var w = Weight(weight, false, cache);
        var b = bias is null ? null : Weight(bias, false, cache);
        Tensor y = Kernels == Bf16Kernels.Native
            ? nn.functional.linear(Operand(x), w, b)
            : float32Kernel(Operand(x), w, b).to(ScalarType.BFloat16);
        return y.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor additiveMask, double dropout)
    {
        using var scope = torch.NewDisposeScope();
        Tensor y;
        if (Kernels == Bf16Kernels.Native)
        {
            var dtype = ScalarType.BFloat16;
            y = nn.functional.scaled_dot_product_attention(q.to(dtype), k.to(dtype), v.to(dtype), additiveMask.to(dtype), dropout);
        }
        else
        {
            // softmax(q kᵀ / √d + mask) v from bfloat16 q, k, v with float32 scores and sums, as a native kernel accumulates
            y = nn.functional.scaled_dot_product_attention(Operand(q), Operand(k), Operand(v), additiveMask.to(ScalarType.Float32), dropout)
                .to(ScalarType.BFloat16);
        }
        return y.MoveToOuterDisposeScope();
    }

    // An input in the kernel's operand type: bfloat16 (native), or bfloat16-rounded values held in float32 (upcast).
    Tensor Operand(Tensor x)
    {
        if (Kernels == Bf16Kernels.Native) return x.dtype == ScalarType.BFloat16 ? x.alias() : x.to(ScalarType.BFloat16);
        return x.dtype == ScalarType.BFloat16 ? x.to(ScalarType.Float32) : x.to(ScalarType.BFloat16).to(ScalarType.Float32);
    }

    // A parameter's copy in the operand type (channels-last when asked), from the region's cache when there is one.
    Tensor Weight(Tensor parameter, bool channelsLast, WeightCastCache? cache)
    {
        if (cache is null) return MakeWeight(parameter, channelsLast);   // disposed with the caller's scope
        return cache.GetOrAdd(parameter, channelsLast, p => MakeWeight(p, channelsLast));
    }

    Tensor MakeWeight(Tensor parameter, bool channelsLast)
    {
        if (Kernels == Bf16Kernels.Native)
            return channelsLast ? TensorLayout.ToChannelsLast(parameter, ScalarType.BFloat16) : parameter.to(ScalarType.BFloat16);
        using var rounded = parameter.to(ScalarType.BFloat16);
        return channelsLast ? TensorLayout.ToChannelsLast(rounded, ScalarType.Float32) : rounded.to(ScalarType.Float32);
    }
}
