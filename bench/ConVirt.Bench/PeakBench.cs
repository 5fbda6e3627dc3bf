using ConVirt.Models.Kernels;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>Figure 3's denominator: float32 matmul throughput through libtorch, and memory read bandwidth.</summary>
internal static class PeakBench
{
    /// <summary>GFLOP/s of an n x n float32 matmul (2n³ FLOPs), repeated.</summary>
    public static Stats MatmulGflops(int n, int warmup, int reps)
    {
        torch.manual_seed(0);
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        var values = new List<double>();
        for (int i = 0; i < warmup + reps; i++)
        {
            var w = Stopwatch.StartNew();
            using (var c = a.mm(b)) { }
            double s = w.Elapsed.TotalSeconds;
            if (i >= warmup) values.Add(2.0 * n * n * (double)n / s / 1e9);
        }
        return Stats.Of(values);
    }

    /// <summary>GFLOP/s of the same n x n float32 product through <see cref="ConVirt.Models.Kernels.DenseKernel"/>'s oneDNN path
    /// (a 1x1 convolution over a channels-last view), the kernel the project's text tower uses.</summary>
    public static Stats DenseKernelGflops(int n, int warmup, int reps)
    {
        torch.manual_seed(0);
        using var a = torch.randn(n, n);
        using var layer = nn.Linear(n, n, hasBias: false);
        var saved = ConVirt.Models.Kernels.DenseKernel.Policy;
        ConVirt.Models.Kernels.DenseKernel.Policy = ConVirt.Models.Kernels.LinearKernelPolicy.OneDnn;
        var values = new List<double>();
        try
        {
            using var noGrad = torch.no_grad();
            for (int i = 0; i < warmup + reps; i++)
            {
                var w = Stopwatch.StartNew();
                using (var c = ConVirt.Models.Kernels.DenseKernel.Linear(layer, a)) { }
                double s = w.Elapsed.TotalSeconds;
                if (i >= warmup) values.Add(2.0 * n * n * (double)n / s / 1e9);
            }
        }
        finally { ConVirt.Models.Kernels.DenseKernel.Policy = saved; }
        return Stats.Of(values);
    }

    /// <summary>
    /// GFLOP/s of a 3x3 convolution 256 -> 256 channels on [32, 256, 28, 28] (ResNet's layer3 shape; oneDNN's
    /// kernels, which on this CPU run faster than the BLAS behind matmul), 2 x 14.8 GMAC per call.
    /// </summary>
    public static Stats ConvGflops(int warmup, int reps)
    {
        torch.manual_seed(0);
        using var x = torch.randn(32, 256, 28, 28);
        using var w = torch.randn(256, 256, 3, 3);
        double flop = 2.0 * 256 * 256 * 9 * 28 * 28 * 32;
        var values = new List<double>();
        using var noGrad = torch.no_grad();
        for (int i = 0; i < warmup + reps; i++)
        {
            var watch = Stopwatch.StartNew();
            using (var y = nn.functional.conv2d(x, w, padding: [1, 1])) { }
            double s = watch.Elapsed.TotalSeconds;
            if (i >= warmup) values.Add(flop / s / 1e9);
        }
        return Stats.Of(values);
    }

    /// <summary>GB/s of reading a float32 tensor of <paramref name="mib"/> MiB (a sum), repeated.</summary>
    public static Stats ReadBandwidth(int mib, int reps)
    {
        using var x = torch.ones(mib * 1024L * 1024 / 4);
        var values = new List<double>();
        for (int i = 0; i < reps + 1; i++)
        {
            var w = Stopwatch.StartNew();
            using var s = x.sum();
            double t = w.Elapsed.TotalSeconds;
            if (i > 0) values.Add(mib / 1024.0 * 1.073741824 / t);
        }
        return Stats.Of(values);
    }
}
