using ConVirt.Models.Kernels;
using ConVirt.Interop;
using System.Diagnostics;
using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>Section 8: fp32 against bf16 (training step, embedding, kernel peaks, the cost of the weight casts).</summary>
internal static class PrecisionBench
{
    /// <summary>GFLOP/s of an n x n matmul: float32, libtorch's bfloat16 kernel, and the upcast path (casts included).</summary>
    public static (Stats Fp32, Stats Bf16Native, Stats Bf16Upcast) Matmul(int n, int warmup, int reps, int nativeReps)
    {
        torch.manual_seed(0);
        using var a = torch.randn(n, n);
        using var layer = nn.Linear(n, n, hasBias: false);
        using var noGrad = torch.no_grad();
        double flop = 2.0 * n * n * (double)n;
        Stats Time(Func<Tensor> f, int r) => Stats.Of(Enumerable.Range(0, warmup + r).Select(i =>
        {
            var w = Stopwatch.StartNew();
            using (f()) { }
            return (i, flop / w.Elapsed.TotalSeconds / 1e9);
        }).Where(x => x.i >= warmup).Select(x => x.Item2));
        var fp32 = Time(() => a.mm(layer.weight!.t()), reps);
        using var a16 = a.to(bfloat16);
        using var w16 = layer.weight!.to(bfloat16);
        var native = Time(() => a16.mm(w16.t()), nativeReps);
        var upcast = new BFloat16Policy(Bf16Kernels.Upcast);
        var up = Time(() => upcast.Linear(a16, layer.weight!, null, DenseKernel.Float32, null), reps);   // weight cast on every call (no region)
        return (fp32, native, up);
    }

    /// <summary>GFLOP/s of a 3x3 convolution 64 -> 64 on [8, 64, 56, 56] (ResNet's layer1 shape) in float32, libtorch bfloat16 and upcast.</summary>
    public static (Stats Fp32, Stats Bf16Native, Stats Bf16Upcast) Convolution(int warmup, int reps, int nativeReps)
    {
        torch.manual_seed(0);
        using var x = ChannelsLastConv.ToChannelsLast(torch.randn(8, 64, 56, 56));
        using var weight = torch.randn(64, 64, 3, 3);
        using var noGrad = torch.no_grad();
        double flop = 2.0 * 8 * 56 * 56 * 64 * 64 * 9;
        Stats Time(Func<Tensor> f, int r) => Stats.Of(Enumerable.Range(0, warmup + r).Select(i =>
        {
            var w = Stopwatch.StartNew();
            using (f()) { }
            return (i, flop / w.Elapsed.TotalSeconds / 1e9);
        }).Where(t => t.i >= warmup).Select(t => t.Item2));
        using var x16 = ChannelsLastConv.ToChannelsLast(x, bfloat16);
        var fp32 = Time(() => Float32Policy.Instance.Convolution(x, weight, null, 1, 1, true, null), reps);
        var native = Time(() => new BFloat16Policy(Bf16Kernels.Native).Convolution(x16, weight, null, 1, 1, true, null), nativeReps);
        var up = Time(() => new BFloat16Policy(Bf16Kernels.Upcast).Convolution(x16, weight, null, 1, 1, true, null), reps);
        return (fp32, native, up);
    }

    /// <summary>
    /// Embedding throughput under <paramref name="policy"/> (eval, no_grad, one region for all batches as the jobs do):
    /// images/s of v for [batch, 1, size, size] and reports/s of u for [batch, tokens]; and the first batch's extra time
    /// in a fresh region (the weight casts) against a later batch's.
    /// </summary>
    public static (Stats ImagesPerS, Stats ReportsPerS, double CastSeconds, int Casts, long CastBytes) Embed(StepConfig sc, PrecisionPolicy policy,
        int batch, int size, int tokens, int reps)
    {
        torch.manual_seed(0);
        using var model = ModelFactory.CreateRandom(sc.Config.Model);
        model.eval();
        var (images, ids, mask) = TrainStepBench.SyntheticInputs(batch, size, tokens);
        using var noGrad = torch.no_grad();
        var imageRates = new List<double>();
        var textRates = new List<double>();
        double first = 0, later = 0;
        int casts = 0;
        long bytes = 0;
        for (int r = 0; r < reps + 1; r++)
        {
            using var region = Autocast.Enter(policy);
            var w = Stopwatch.StartNew();
            using (model.EncodeImage(images)) { }
            double cold = w.Elapsed.TotalSeconds;
            w.Restart();
            using (model.EncodeImage(images)) { }
            double warmImage = w.Elapsed.TotalSeconds;
            w.Restart();
            using (model.EncodeText(ids, mask)) { }
            double coldText = w.Elapsed.TotalSeconds;
            w.Restart();
            using (model.EncodeText(ids, mask)) { }
            double warmText = w.Elapsed.TotalSeconds;
            (casts, bytes) = (region.Cache.Casts, region.Cache.Bytes);
            if (r == 0) continue;   // warm-up
            imageRates.Add(batch / warmImage);
            textRates.Add(batch / warmText);
            first += cold + coldText;
            later += warmImage + warmText;
        }
        images.Dispose(); ids.Dispose(); mask.Dispose();
        return (Stats.Of(imageRates), Stats.Of(textRates), (first - later) / reps, casts, bytes);
    }
}
