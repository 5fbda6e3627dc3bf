using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>The channels-last layout of 4-d tensors (the weight copies that precision policies make).</summary>
internal static class TensorLayout
{
    /// <summary>An NCHW-shaped copy of a 4-d tensor stored channels-last, with the strides [HWC, 1, WC, C] written out
    /// even where a dimension of size 1 makes them ambiguous (differentiable: the gradient flows back through the copy).</summary>
    /// <remarks>
    /// <c>permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)</c> is not enough: for a 1-channel weight (the stem's
    /// [64, 1, 7, 7]) the permuted view is already contiguous, nothing is copied, and the result keeps the NCHW strides
    /// [49, 49, 7, 1], which libtorch reads as NCHW. The stem then ran NCHW, and its max-pool took 94 ms instead of 6
    /// (batch 32, 224 px); with explicit strides [49, 1, 7, 1] the whole network runs channels-last, as PyTorch's
    /// <c>model.to(memory_format=torch.channels_last)</c> does.
    /// </remarks>
    public static Tensor ToChannelsLast(Tensor x) => ToChannelsLast(x, x.dtype);

    /// <summary><see cref="ToChannelsLast(Tensor)"/> into <paramref name="dtype"/>: the layout change and a cast in one copy
    /// (bfloat16 weight copies of <see cref="BFloat16Policy"/>).</summary>
    public static Tensor ToChannelsLast(Tensor x, ScalarType dtype)
    {
        if (x.dim() != 4) throw new ArgumentException($"channels-last needs a 4-d tensor, got [{string.Join(", ", x.shape)}]");
        var (c, h, w) = (x.shape[1], x.shape[2], x.shape[3]);
        var target = torch.empty_strided(x.shape, [h * w * c, 1, w * c, c], dtype: dtype, device: x.device);
        target.copy_(x);   // in place: returns target itself
        return target;
    }

}
