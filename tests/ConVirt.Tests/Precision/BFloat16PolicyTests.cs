using ConVirt.Models.Kernels;
using ConVirt.Models;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Precision;

/// <summary>
/// The bfloat16 operations against independent references: bfloat16-rounded operands multiplied in float64 and the
/// result rounded to bfloat16 (the arithmetic of a native bfloat16 kernel); native and upcast kernels against each other.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class BFloat16PolicyTests
{
    static readonly BFloat16Policy Upcast = new(Bf16Kernels.Upcast);
    static readonly BFloat16Policy Native = new(Bf16Kernels.Native);

    static Tensor Round64(Tensor t) => t.detach().to(bfloat16).to(float64);

    // |a - b| <= ulps bfloat16 steps (a step at v is 2^(floor(log2 |v|) - 7)) of the larger magnitude, + a floor for values near 0
    static void AssertWithinUlps(Tensor expected, Tensor actual, double ulps, string what)
    {
        using var e = expected.detach().to(float64);
        using var a = actual.detach().to(float64);
        double scale = e.abs().max().ToDouble();
        using var step = e.abs().maximum(a.abs()).clamp_min(1e-30).log2().floor().sub(7).exp2();
        using var bound = step.mul(ulps).add(1e-6 * scale);
        using var excess = (a - e).abs() - bound;
        Assert.True(excess.max().ToDouble() <= 0, $"{what}: max |actual - expected| {(a - e).abs().max().ToDouble():G3} exceeds {ulps} bfloat16 steps (scale {scale:G3})");
    }

    [Fact]
    public void UpcastLinearIsBfloat16ArithmeticAndItsGradientsAreFloat32()
    {
        torch.manual_seed(3);
        using var layer = nn.Linear(96, 40);
        using var x = torch.randn(3, 50, 96).requires_grad_(true);   // 150 rows: the oneDNN float32 kernel under auto
        using var target = torch.randn(3, 50, 40);
        Tensor y;
        using (Autocast.Enter(Upcast)) y = DenseKernel.Linear(layer, x);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        Assert.Equal(new long[] { 3, 50, 40 }, y.shape);
        using var expected = (Round64(x).matmul(Round64(layer.weight!).t()) + Round64(layer.bias!)).to(bfloat16);
        AssertWithinUlps(expected, y, 1, "output");
        // it is not the float32 result: bfloat16 rounding shows
        using (var f32 = DenseKernel.Linear(layer, x)) Assert.True((f32 - y.to(float32)).abs().max().ToDouble() > 1e-4);

        (y.to(float32) * target).sum().backward();
        Assert.Equal(ScalarType.Float32, layer.weight!.grad!.dtype);
        Assert.Equal(ScalarType.Float32, layer.weight.dtype);
        Assert.Equal(ScalarType.Float32, x.grad!.dtype);
        // dW = (dL/dy)ᵀ x over bfloat16 operands: dL/dy reaches the kernel rounded to bfloat16 (it is a bfloat16 tensor's gradient)
        using var gy = Round64(target);
        using var dw = gy.reshape(150, 40).t().matmul(Round64(x).reshape(150, 96));
        AssertWithinUlps(dw, layer.weight.grad!, 2, "weight gradient");
        AssertWithinUlps(gy.reshape(150, 40).matmul(Round64(layer.weight)).reshape(3, 50, 96), x.grad!, 2, "input gradient");
        y.Dispose();
    }

    [Theory]
    [InlineData(false, 1, 1)]
    [InlineData(true, 2, 1)]
    [InlineData(true, 1, 0)]
    public void UpcastConvolutionIsBfloat16Arithmetic(bool channelsLast, long stride, long padding)
    {
        torch.manual_seed(4);
        using var weight = torch.randn(12, 8, 3, 3) * 0.2;
        using var x = torch.randn(2, 8, 9, 9);
        using var y = Upcast.Convolution(x, weight, null, stride, padding, channelsLast, null);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        using var expected = nn.functional.conv2d(Round64(x), Round64(weight), strides: [stride, stride], padding: [padding, padding]).to(bfloat16);
        AssertWithinUlps(expected, y, 1, "convolution");
    }

    [Fact]
    public void NativeKernelsAgreeWithUpcastKernels()
    {
        // libtorch's own bfloat16 kernels (slow on a CPU without bfloat16 instructions, so small shapes) and the
        // upcast path compute the same function: rounding happens at the same points
        torch.manual_seed(5);
        using var layer = nn.Linear(32, 24);
        using var x = torch.randn(4, 10, 32);
        using var weight = torch.randn(16, 8, 3, 3) * 0.2;
        using var image = torch.randn(2, 8, 7, 7);
        using var q = torch.randn(2, 2, 6, 8);
        using var k = torch.randn(2, 2, 6, 8);
        using var v = torch.randn(2, 2, 6, 8);
        using var mask = torch.zeros(2, 1, 1, 6);
        mask[1, 0, 0, 4] = torch.tensor(-1e9f);
        mask[1, 0, 0, 5] = torch.tensor(-1e9f);
        using var _ = torch.no_grad();
        foreach (var channelsLast in new[] { false, true })
        {
            using var a = Native.Convolution(image, weight, null, 1, 1, channelsLast, null);
            using var b = Upcast.Convolution(image, weight, null, 1, 1, channelsLast, null);
            Assert.Equal(ScalarType.BFloat16, a.dtype);
            AssertWithinUlps(b, a, 1, $"convolution, channels-last {channelsLast}");
        }
        using (var a = Native.Linear(x, layer.weight!, layer.bias, DenseKernel.Float32, null))
        using (var b = Upcast.Linear(x, layer.weight!, layer.bias, DenseKernel.Float32, null))
        {
            using var reference = Round64(x).matmul(Round64(layer.weight!).t()) + Round64(layer.bias!);
            AssertWithinUlps(reference, b, 1, "upcast linear against float64");   // rounds once
            AssertWithinLargestStep(reference, a, "native linear");
        }
        using (var a = Native.Attention(q, k, v, mask, 0))
        using (var b = Upcast.Attention(q, k, v, mask, 0))
        {
            Assert.Equal(ScalarType.BFloat16, a.dtype);
            // both against softmax(q kᵀ/√d + mask) v of the rounded operands, computed here in float64
            using var scores = Round64(q).matmul(Round64(k).transpose(2, 3)).div(Math.Sqrt(8)) + mask.to(float64);
            using var reference = scores.softmax(-1).matmul(Round64(v));
            AssertWithinUlps(reference, b, 1, "upcast attention against float64");
            AssertWithinLargestStep(reference, a, "native attention");
        }
    }

    // libtorch's bfloat16 linear and attention on a CPU without bfloat16 instructions round more often than once (the
    // product before the bias, softmax weights, partial sums): within one bfloat16 step of the output's largest value
    static void AssertWithinLargestStep(Tensor reference, Tensor actual, string what)
    {
        double step = Math.Pow(2, Math.Floor(Math.Log2(reference.abs().max().ToDouble())) - 7);
        double err = (actual.to(float64) - reference).abs().max().ToDouble();
        Assert.True(err <= step, $"{what}: max error {err:G3} against float64, more than one bfloat16 step ({step:G3}) of the largest output");
    }

    [Fact]
    public void WeightCopiesAreMadeOncePerRegionAndGradientsFlowThroughThem()
    {
        torch.manual_seed(6);
        using var layer = nn.Linear(16, 8);
        using var x = torch.randn(5, 16);
        using var target = torch.randn(5, 8);
        Tensor Step()
        {
            using var y = DenseKernel.Linear(layer, x);
            return (y.to(float32) * target).sum();
        }

        // reference: one forward + backward in its own region
        using (Autocast.Enter(Upcast)) { using var l = Step(); l.backward(); }
        using var single = layer.weight!.grad!.detach().clone();
        layer.zero_grad();

        using (var region = Autocast.Enter(Upcast))
        {
            Assert.Same(Upcast, Autocast.Policy);
            using (var l1 = Step()) l1.backward();
            using (var l2 = Step()) l2.backward();      // the cached copy serves a second graph
            Assert.Equal(2, region.Cache.Casts);       // weight and bias, once
            Assert.Equal(2, region.Cache.Hits);
            Assert.Equal((16 * 8 + 8) * 4L, region.Cache.Bytes);   // upcast copies hold rounded values in float32
            using (torch.no_grad()) { using var _ = DenseKernel.Linear(layer, x); }
            Assert.Equal(4, region.Cache.Casts);       // a graph-free copy is kept apart from the graph's
            using var notParameter = torch.randn(8, 16);
            using (var y = Autocast.Linear(x, notParameter, null, DenseKernel.Float32)) Assert.Equal(ScalarType.BFloat16, y.dtype);
            Assert.Equal(4, region.Cache.Casts);       // only parameters are cached
        }
        Assert.IsType<Float32Policy>(Autocast.Policy);
        Assert.Null(Autocast.Current);
        AssertWithinUlps(single * 2, layer.weight!.grad!, 0.01, "gradient of two backward passes through one cached copy");
    }

    [Fact]
    public void RegionsNestAndRestore()
    {
        Assert.IsType<Float32Policy>(Autocast.Policy);
        using (var outer = Autocast.Enter(Upcast))
        {
            using (Autocast.Enter(Float32Policy.Instance)) Assert.IsType<Float32Policy>(Autocast.Policy);
            Assert.Same(outer, Autocast.Current);
            Assert.Same(Upcast, Autocast.Policy);
        }
        Assert.Null(Autocast.Current);
        using var x = torch.ones(2, 2, dtype: bfloat16);
        using var f = Autocast.ToFloat32(x);
        Assert.Equal(ScalarType.Float32, f.dtype);
    }
}
