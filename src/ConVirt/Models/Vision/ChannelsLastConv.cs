using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>
/// Convolutions in the channels-last layout. TorchSharp 0.107 has no memory-format argument, but a channels-last
/// tensor is only an NCHW-shaped tensor with strides [HWC, 1, WC, C], which <see cref="ToChannelsLast(Tensor)"/> makes.
/// libtorch's oneDNN convolution takes its channels-last path when the weight is in that layout, and the output (and
/// so batch norm, ReLU and the next convolution) stays channels-last. The parameters themselves stay contiguous
/// NCHW, so the optimiser state, checkpoints and exported weights are untouched: each call makes a channels-last
/// copy of the weight (a few MB; its gradient flows back to the parameter through the copy). Under mixed precision
/// that copy is also the bfloat16 cast, made once per region (<see cref="BFloat16Policy"/>).
/// </summary>
internal static class ChannelsLastConv
{
    /// <summary>An NCHW-shaped copy of a 4-d tensor stored channels-last (<see cref="TensorLayout.ToChannelsLast(Tensor)"/>).</summary>
    public static Tensor ToChannelsLast(Tensor x) => TensorLayout.ToChannelsLast(x);

    /// <summary><see cref="TensorLayout.ToChannelsLast(Tensor, ScalarType)"/>: the layout change and a cast in one copy.</summary>
    public static Tensor ToChannelsLast(Tensor x, ScalarType dtype) => TensorLayout.ToChannelsLast(x, dtype);

    /// <summary>True when a 4-d tensor's strides are channels-last ([HWC, 1, WC, C]).</summary>
    public static bool IsChannelsLast(Tensor x)
    {
        if (x.dim() != 4) return false;
        var (c, h, w) = (x.shape[1], x.shape[2], x.shape[3]);
        return x.stride(1) == 1 && x.stride(3) == c && x.stride(2) == w * c && x.stride(0) == h * w * c;
    }

    /// <summary><paramref name="conv"/>(<paramref name="x"/>) with square <paramref name="stride"/> and <paramref name="padding"/>
    /// (the values the convolution was built with), through a channels-last weight when <paramref name="channelsLast"/>,
    /// in the precision in force (<see cref="Autocast"/>: bfloat16 operands and output under <see cref="BFloat16Policy"/>).</summary>
    public static Tensor Call(Conv2d conv, Tensor x, long stride, long padding, bool channelsLast)
    {
        return Autocast.Convolution(x, conv.weight!, conv.bias, stride, padding, channelsLast);
    }

    /// <summary>A residual block's downsample branch: 1x1 <paramref name="conv"/> with <paramref name="stride"/>, then <paramref name="norm"/>.</summary>
    public static Tensor Downsample(Conv2d conv, BatchNorm2d norm, Tensor x, long stride, bool channelsLast)
    {
        using var h = Call(conv, x, stride, 0, channelsLast);
        return norm.call(h);
    }
}
