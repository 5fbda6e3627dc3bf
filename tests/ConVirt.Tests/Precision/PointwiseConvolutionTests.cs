using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Precision;

/// <summary>1x1 convolutions as matrix products: the values and gradients of a convolution, in the input's layout.</summary>
[Collection(TorchCollection.Name)]
public sealed class PointwiseConvolutionTests
{
    [Theory]
    // (batch, in, out, size, stride): ResNet-50's downsample and expansion shapes at 64- and 256-pixel inputs, among
    // them the ones oneDNN's own 1x1 kernels got wrong (256->512 stride 2 at 16 px: 47 %; 128->512 at 32 px: 57 %) or
    // crashed on (512->1024 stride 2 at 8 px) on the virtual machine that hides its cache topology
    [InlineData(3, 256, 512, 16, 2)]
    [InlineData(8, 128, 512, 32, 1)]
    [InlineData(3, 512, 1024, 8, 2)]
    [InlineData(3, 1024, 2048, 4, 2)]
    [InlineData(2, 64, 256, 16, 1)]
    [InlineData(2, 6, 5, 7, 3)]
    public void ValuesAndGradientsEqualAFloat64Convolution(int n, int cin, int cout, int size, int stride)
    {
        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(n, cin, size, size);
        var w = torch.randn(cout, cin, 1, 1) * (1.0 / Math.Sqrt(cin));
        var bias = torch.randn(cout);
        long outSize = (size - 1) / stride + 1;
        var g = torch.randn(n, cout, outSize, outSize);

        // reference: libtorch's float64 convolution (its plain loops: oneDNN has no float64 kernels)
        var x64 = x.to(float64).requires_grad_();
        var w64 = w.to(float64).requires_grad_();
        var b64 = bias.to(float64).requires_grad_();
        var reference = nn.functional.conv2d(x64, w64, b64, strides: [stride, stride]);
        (reference * g.to(float64)).sum().backward();

        foreach (bool channelsLast in new[] { false, true })
        {
            var xi = (channelsLast ? TensorLayout.ToChannelsLast(x) : x.clone()).requires_grad_();
            var wi = w.clone().requires_grad_();
            var bi = bias.clone().requires_grad_();
            var y = PointwiseConvolution.MatrixProducts(xi, wi, bi, stride);
            Assert.Equal(new long[] { n, cout, outSize, outSize }, y.shape);
            // the output keeps the input's layout
            long[] expectedStrides = channelsLast
                ? [outSize * outSize * cout, 1, outSize * cout, cout]
                : [cout * outSize * outSize, outSize * outSize, outSize, 1];
            Assert.Equal(expectedStrides, y.stride());
            (y * g).sum().backward();
            AssertClose(y, reference, $"output ({(channelsLast ? "channels-last" : "NCHW")})");
            AssertClose(xi.grad!, x64.grad!, "input gradient");
            AssertClose(wi.grad!, w64.grad!, "weight gradient");
            AssertClose(bi.grad!, b64.grad!, "bias gradient");
        }
    }

    static void AssertClose(Tensor actual, Tensor reference, string what)
    {
        double scale = reference.abs().max().item<double>();
        double err = (actual.to(float64) - reference).abs().max().item<double>();
        Assert.True(err <= 1e-5 * scale, $"{what}: max error {err:G3} at scale {scale:G3}");
    }

    [Fact]
    public void Conv2dRoutesOnlyUnpadded1x1KernelsAndOnlyWhenAsked()
    {
        bool saved = PointwiseConvolution.UseMatrixProducts;
        try
        {
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(4);
            var x = TensorLayout.ToChannelsLast(torch.randn(2, 8, 6, 6));
            var w1 = torch.randn(4, 8, 1, 1);
            var w3 = torch.randn(4, 8, 3, 3);
            Assert.True(PointwiseConvolution.IsPointwise(x, w1, 0));
            Assert.False(PointwiseConvolution.IsPointwise(x, w1, 1));
            Assert.False(PointwiseConvolution.IsPointwise(x, w3, 0));
            foreach (bool on in new[] { true, false })
            {
                PointwiseConvolution.UseMatrixProducts = on;
                var viaRouter = PointwiseConvolution.Conv2d(x, w1, null, 2, 0);
                var direct = nn.functional.conv2d(x.to(float64), w1.to(float64), strides: [2, 2]);
                Assert.True(torch.allclose(viaRouter.to(float64), direct, rtol: 1e-5, atol: 1e-5), $"UseMatrixProducts={on}");
                var threeByThree = PointwiseConvolution.Conv2d(x, w3, null, 1, 1);
                Assert.Equal(new long[] { 2, 4, 6, 6 }, threeByThree.shape);
            }
        }
        finally { PointwiseConvolution.UseMatrixProducts = saved; }
    }

    // CPUID register values of a vendor string: "AuthenticAMD" is ebx "Auth", edx "enti", ecx "cAMD"
    static int Reg(string four) => four[0] | four[1] << 8 | four[2] << 16 | four[3] << 24;

    static CpuCacheTopology.CpuIdQuery Cpu(string vendor, int maxLeaf, uint maxExtended, int cacheTypeOfFirstLeaf) => (leaf, sub) =>
    {
        uint l = unchecked((uint)leaf);
        if (l == 0) return (maxLeaf, Reg(vendor[..4]), Reg(vendor[8..]), Reg(vendor[4..8]));
        if (l == 0x80000000u) return (unchecked((int)maxExtended), 0, 0, 0);
        bool amd = vendor == "AuthenticAMD";
        if ((amd && l == 0x8000001Du) || (!amd && l == 4)) return (sub == 0 ? cacheTypeOfFirstLeaf : 0, 0, 0, 0);
        return (0, 0, 0, 0);
    };

    [Fact]
    public void CacheTopologyIsReportedOnlyWhenTheVendorsCacheLeafDescribesACache()
    {
        // the guest measured here: AMD, extended leaves up to 0x80000021, leaf 0x8000001D all zero
        Assert.False(CpuCacheTopology.IsReported(Cpu("AuthenticAMD", 16, 0x80000021u, 0)));
        // an AMD CPU whose leaf 0x8000001D describes its L1 data cache (type 1, level 1: eax 0x121)
        Assert.True(CpuCacheTopology.IsReported(Cpu("AuthenticAMD", 16, 0x80000021u, 0x121)));
        // an AMD CPU without that leaf at all
        Assert.False(CpuCacheTopology.IsReported(Cpu("AuthenticAMD", 16, 0x80000008u, 0x121)));
        // Intel: leaf 4
        Assert.True(CpuCacheTopology.IsReported(Cpu("GenuineIntel", 22, 0x80000008u, 0x121)));
        Assert.False(CpuCacheTopology.IsReported(Cpu("GenuineIntel", 22, 0x80000008u, 0)));
        Assert.False(CpuCacheTopology.IsReported(Cpu("GenuineIntel", 2, 0x80000008u, 0x121)));
        // not x86
        Assert.True(CpuCacheTopology.IsReported(null));
    }
}
