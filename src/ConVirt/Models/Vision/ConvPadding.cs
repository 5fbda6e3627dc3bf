using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>Explicit padding for convolutions whose padding is not symmetric (see <see cref="PaddingStyle.TopLeft"/>).</summary>
internal static class ConvPadding
{
    /// <summary>Symmetric padding a convolution gets as its own <c>padding</c> argument.</summary>
    public static long Builtin(PaddingStyle style, long kernel, long stride) =>
        style == PaddingStyle.TopLeft && stride > 1 ? 0 : kernel / 2;

    /// <summary>Pads [B, C, H, W] before a strided convolution or pool in the top/left style; identity otherwise.</summary>
    public static Tensor Apply(Tensor x, PaddingStyle style, long kernel, long stride, double value = 0)
    {
        if (style != PaddingStyle.TopLeft || stride == 1) return x;
        long total = kernel - stride;           // 7x7/2 -> 5 = 3 before + 2 after; 3x3/2 -> 1 = 1 before + 0 after
        long before = (total + 1) / 2, after = total - before;
        return nn.functional.pad(x, [before, after, before, after], PaddingModes.Constant, value);
    }
}
