using ConVirt.Models.Kernels;
using System.Diagnostics;
using ConVirt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>One linear layer's forward + backward through libtorch's <c>linear</c> (BLAS) and through
/// <see cref="DenseKernel"/>'s oneDNN path, alternated, for the text tower's shapes (section 1c).</summary>
internal static class LinearBench
{
    public sealed record Row(long Rows, long In, long Out, Stats BlasMs, Stats OneDnnMs, double BlasGflops, double OneDnnGflops, double Speedup);

    /// <summary>BERT-base and MiniLM layer shapes at 768 tokens (32 sentences of 24), plus a projection head's 32 rows.</summary>
    public static readonly (long Rows, long In, long Out)[] Shapes =
        [(768, 768, 768), (768, 768, 3072), (768, 3072, 768), (768, 384, 384), (768, 384, 1536), (768, 1536, 384), (128, 768, 768), (32, 2048, 512)];

    public static List<Row> Run(int warmup, int reps)
    {
        var saved = DenseKernel.Policy;
        var rows = new List<Row>();
        try
        {
            foreach (var (n, inF, outF) in Shapes)
            {
                torch.manual_seed(0);
                using var layer = nn.Linear(inF, outF);
                using var x = torch.randn(n, inF).requires_grad_(true);
                using var g = torch.randn(n, outF);
                var times = new[] { new List<double>(), new List<double>() };
                for (int i = 0; i < warmup + reps; i++)
                    for (int v = 0; v < 2; v++)
                    {
                        DenseKernel.Policy = v == 0 ? LinearKernelPolicy.Blas : LinearKernelPolicy.OneDnn;
                        layer.zero_grad();
                        x.grad?.zero_();
                        var w = Stopwatch.StartNew();
                        using (var scope = torch.NewDisposeScope())
                            DenseKernel.Linear(layer, x).backward([g]);
                        if (i >= warmup) times[v].Add(w.Elapsed.TotalMilliseconds);
                    }
                var (a, b) = (Stats.Of(times[0]), Stats.Of(times[1]));
                double flop = 3 * 2.0 * n * inF * outF;   // forward, input gradient, weight gradient
                rows.Add(new Row(n, inF, outF, a, b, flop / a.Median / 1e6, flop / b.Median / 1e6, a.Median / b.Median));
            }
        }
        finally { DenseKernel.Policy = saved; }
        return rows;
    }
}
