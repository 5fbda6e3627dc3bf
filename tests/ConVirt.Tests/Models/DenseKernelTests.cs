using ConVirt.Precision;
using ConVirt.Models.Kernels;
using ConVirt.Models;
using ConVirt.Models.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Models;

/// <summary>Linear layers through oneDNN (<see cref="DenseKernel"/>) compute nn.Linear's function and gradients.</summary>
[Collection(TorchCollection.Name)]
public sealed class DenseKernelTests : IDisposable
{
    readonly LinearKernelPolicy saved = DenseKernel.Policy;

    public void Dispose() => DenseKernel.Policy = saved;

    [Theory]
    [InlineData(4, 50, 48, 40, false)]     // 3-d input, 200 rows
    [InlineData(1, 130, 384, 1536, false)]  // a text-tower shape
    [InlineData(3, 7, 16, 24, true)]      // non-contiguous input (a transposed view), 21 rows
    public void OutputAndGradientsMatchAFloat64Reference(int batch, int tokens, int inFeatures, int outFeatures, bool transposed)
    {
        DenseKernel.Policy = LinearKernelPolicy.OneDnn;
        torch.manual_seed(11);
        using var layer = nn.Linear(inFeatures, outFeatures);
        using var source = transposed ? torch.randn(batch, inFeatures, tokens) : torch.randn(batch, tokens, inFeatures);
        using var x = (transposed ? source.transpose(1, 2) : source.alias()).detach().requires_grad_(true);
        Assert.Equal(!transposed, x.is_contiguous());
        Assert.True(DenseKernel.UsesOneDnn(x, layer.weight!));
        using var target = torch.randn(batch, tokens, outFeatures);

        using var y = DenseKernel.Linear(layer, x);
        Assert.Equal(new long[] { batch, tokens, outFeatures }, y.shape);
        (y * target).sum().backward();

        // the same function in float64, computed independently of both kernels: x·Wᵀ + b by matmul
        using var x64 = x.detach().to(float64).requires_grad_(true);
        using var w64 = layer.weight!.detach().to(float64).requires_grad_(true);
        using var b64 = layer.bias!.detach().to(float64).requires_grad_(true);
        using var y64 = x64.matmul(w64.t()) + b64;
        (y64 * target.to(float64)).sum().backward();

        AssertClose(y64, y, "output");
        AssertClose(x64.grad!, x.grad!, "input gradient");
        AssertClose(w64.grad!, layer.weight!.grad!, "weight gradient");
        AssertClose(b64.grad!, layer.bias!.grad!, "bias gradient");
    }

    static void AssertClose(Tensor reference, Tensor actual, string what)
    {
        Assert.Equal(reference.shape, actual.shape);
        double scale = reference.abs().max().item<double>();
        double err = (actual.to(float64) - reference).abs().max().item<double>();
        Assert.True(err <= 1e-5 * scale, $"{what}: max error {err:G3} at scale {scale:G3}");
    }

    [Fact]
    public void AutoUsesOneDnnOnlyForLargeFloat32CpuInputs()
    {
        using var w = torch.zeros(8, 16);
        using var small = torch.zeros(4, 31, 16);   // 124 rows
        using var large = torch.zeros(4, 32, 16);   // 128 rows
        using var wide = torch.zeros(4, 32, 16, dtype: float64);
        using var w64 = torch.zeros(8, 16, dtype: float64);
        DenseKernel.Policy = LinearKernelPolicy.Auto;
        Assert.False(DenseKernel.UsesOneDnn(small, w));
        // oneDNN only where it wins (AVX-512 CPUs) and where its 1x1 kernels are trusted (the CPU reports its caches)
        Assert.Equal(DenseKernel.CpuHasAvx512 && CpuCacheTopology.Reported, DenseKernel.UsesOneDnn(large, w));
        Assert.False(DenseKernel.UsesOneDnn(wide, w64));
        Assert.True(DenseKernel.AutoChoosesOneDnn(128, cpuHasAvx512: true));
        Assert.False(DenseKernel.AutoChoosesOneDnn(127, cpuHasAvx512: true));
        Assert.False(DenseKernel.AutoChoosesOneDnn(1 << 20, cpuHasAvx512: false));
        DenseKernel.Policy = LinearKernelPolicy.OneDnn;
        Assert.True(DenseKernel.UsesOneDnn(small, w));
        Assert.False(DenseKernel.UsesOneDnn(wide, w64));
        DenseKernel.Policy = LinearKernelPolicy.Blas;
        Assert.False(DenseKernel.UsesOneDnn(large, w));
    }

    [Fact]
    public void Avx512IsReadFromTheFlagsLineOfCpuInfo()
    {
        const string zen5 = "processor\t: 0\nmodel name\t: AMD EPYC 9R45\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512_bf16\n";
        const string zen3 = "processor\t: 0\nmodel name\t: AMD EPYC 7R13\nflags\t\t: fpu sse2 avx avx2 fma\n";
        const string lookalike = "flags\t\t: avx2 avx512fx\nbugs\t\t: avx512f\n";   // neither a flag named avx512f nor a flags line
        Assert.True(DenseKernel.CpuInfoHasAvx512(zen5));
        Assert.False(DenseKernel.CpuInfoHasAvx512(zen3));
        Assert.False(DenseKernel.CpuInfoHasAvx512(lookalike));
        Assert.False(DenseKernel.CpuInfoHasAvx512(null));
    }

    [Fact]
    public void EmptyInputsGiveEmptyOutputs()
    {
        DenseKernel.Policy = LinearKernelPolicy.OneDnn;
        using var layer = nn.Linear(16, 8);
        using var x = torch.zeros(0, 5, 16);
        Assert.False(DenseKernel.UsesOneDnn(x, layer.weight!));
        using var y = DenseKernel.Linear(layer, x);
        Assert.Equal(new long[] { 0, 5, 8 }, y.shape);
    }

    [Fact]
    public void WrongFeatureCountIsRefusedWithTheShapes()
    {
        DenseKernel.Policy = LinearKernelPolicy.OneDnn;
        using var layer = nn.Linear(16, 8);
        using var x = torch.zeros(10, 15);
        var e = Assert.Throws<ArgumentException>(() => DenseKernel.Linear(layer, x));
        Assert.Contains("expects 16 input features", e.Message);
        Assert.Contains("[10, 15]", e.Message);
    }

    [Theory]
    [InlineData(null, LinearKernelPolicy.Auto)]
    [InlineData("", LinearKernelPolicy.Auto)]
    [InlineData("AUTO", LinearKernelPolicy.Auto)]
    [InlineData(" blas ", LinearKernelPolicy.Blas)]
    [InlineData("oneDNN", LinearKernelPolicy.OneDnn)]
    public void EnvironmentValuesParse(string? value, object expected) =>   // object: the enum is internal to the library
        Assert.Equal((LinearKernelPolicy)expected, DenseKernel.FromEnvironment(value));

    [Fact]
    public void UnknownEnvironmentValueNamesTheVariable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DenseKernel.FromEnvironment("mkl"));
        Assert.Contains("CONVIRT_LINEAR='mkl'", e.Message);
    }

    [Fact]
    public void BertForwardAndBackwardAgreeBetweenKernels()
    {
        var spec = new BertSpec { VocabSize = 100, HiddenSize = 32, NumHeads = 4, NumLayers = 2, IntermediateSize = 64, MaxPositions = 64, HiddenDropout = 0, AttentionDropout = 0 };
        torch.manual_seed(3);
        using var blas = new BertTextEncoder(spec);
        using var onednn = new BertTextEncoder(spec);
        onednn.load_state_dict(blas.state_dict());
        using var ids = torch.randint(1, 100, [6, 40], dtype: int64);   // 240 rows: Auto takes oneDNN
        using var mask = torch.ones(6, 40, dtype: int64);
        mask[5, TensorIndex.Slice(30)] = torch.tensor(0L);

        DenseKernel.Policy = LinearKernelPolicy.Blas;
        using var a = blas.call(ids, mask);
        a.pow(2).sum().backward();
        DenseKernel.Policy = LinearKernelPolicy.Auto;
        using var b = onednn.call(ids, mask);
        b.pow(2).sum().backward();

        Assert.True(torch.allclose(a, b, rtol: 1e-4, atol: 1e-5), $"max |a - b| = {(a - b).abs().max().item<float>()}");
        var grads = blas.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);
        int compared = 0;
        foreach (var (name, p) in onednn.named_parameters())
        {
            if (grads[name] is not { } g) { Assert.Null(p.grad); continue; }
            double scale = g.abs().max().item<float>() + 1e-12;
            double err = (p.grad! - g).abs().max().item<float>();
            Assert.True(err <= 1e-4 * scale, $"{name}: gradient differs by {err:G3} at scale {scale:G3}");
            compared++;
        }
        Assert.True(compared > 20, $"only {compared} gradients compared");
    }
}
