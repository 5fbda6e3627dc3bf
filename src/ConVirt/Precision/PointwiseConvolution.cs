using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>
/// <c>conv2d</c>, with 1x1 convolutions (a ResNet's bottleneck and downsample layers) computed as the matrix
/// products they are when <see cref="UseMatrixProducts"/> says so: a stride-s 1x1 convolution takes every s-th pixel,
/// then multiplies each pixel's channel vector by the [out, in] weight. Channels-last inputs are rows of channels
/// already ([N·H·W, C] without a copy) and give channels-last outputs; NCHW inputs are multiplied per image
/// (W [out, in] × x [in, H·W]) and give NCHW outputs. Autograd differentiates the slice and the products, so gradients
/// are those of the convolution. Larger kernels, padded 1x1 kernels and other devices keep libtorch's convolution.
/// </summary>
internal static class PointwiseConvolution
{
    static bool? useMatrixProducts;

    /// <summary>The process-wide choice (settable, like a <c>torch.backends</c> flag): by default true exactly where
    /// the CPU hides its cache topology (<see cref="CpuCacheTopology.Reported"/> false), where oneDNN's own 1x1
    /// kernels were measured wrong and crashing.</summary>
    public static bool UseMatrixProducts
    {
        get => useMatrixProducts ??= !CpuCacheTopology.Reported;
        set => useMatrixProducts = value;
    }

    /// <summary>Forgets a value set: the next read of <see cref="UseMatrixProducts"/> asks the CPU again.</summary>
    public static void ResetToDefault() => useMatrixProducts = null;

    /// <summary>True when <see cref="Conv2d"/> computes this convolution as matrix products (the weight's layout is then irrelevant).</summary>
    public static bool Routes(Tensor x, Tensor weight, long padding) => UseMatrixProducts && IsPointwise(x, weight, padding);

    /// <summary>conv2d(x, weight, bias) with square <paramref name="stride"/> and <paramref name="padding"/>.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long stride, long padding)
    {
        if (Routes(x, weight, padding)) return MatrixProducts(x, weight, bias, stride);
        return nn.functional.conv2d(x, weight, bias, strides: [stride, stride], padding: [padding, padding]);
    }

    /// <summary>True for an unpadded 1x1 convolution of a 4-d CPU input.</summary>
    public static bool IsPointwise(Tensor x, Tensor weight, long padding) =>
        padding == 0 && x.dim() == 4 && weight.dim() == 4 && weight.shape[2] == 1 && weight.shape[3] == 1
        && x.device_type == DeviceType.CPU && x.shape[1] == weight.shape[1];

    /// <summary>The 1x1 convolution of <paramref name="x"/> [N, in, H, W] by <paramref name="weight"/> [out, in, 1, 1] with
    /// <paramref name="stride"/>, as matrix products, in <paramref name="x"/>'s layout.</summary>
    public static Tensor MatrixProducts(Tensor x, Tensor weight, Tensor? bias, long stride)
    {
        using var scope = torch.NewDisposeScope();
        var sampled = stride > 1 ? x[.., .., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)] : x;
        long n = sampled.shape[0], c = sampled.shape[1], h = sampled.shape[2], w = sampled.shape[3], o = weight.shape[0];
        var kernel = weight.reshape(o, c);
        Tensor y;
        if (IsChannelsLast(x))
        {
            var rows = sampled.permute(0, 2, 3, 1).reshape(n * h * w, c);      // a view when stride is 1
            var product = bias is null ? rows.matmul(kernel.t()) : torch.addmm(bias, rows, kernel.t(), 1, 1);
            y = product.view(n, h, w, o).permute(0, 3, 1, 2);                  // channels-last strides
        }
        else
        {
            var product = kernel.matmul(sampled.reshape(n, c, h * w));          // [N, out, H·W]
            if (bias is not null) product = product + bias.view(1, o, 1);
            y = product.view(n, o, h, w);
        }
        return y.MoveToOuterDisposeScope();
    }

    static bool IsChannelsLast(Tensor x)
    {
        var (c, h, w) = (x.shape[1], x.shape[2], x.shape[3]);
        return x.stride(1) == 1 && x.stride(3) == c && x.stride(2) == w * c && c > 1;
    }
}
