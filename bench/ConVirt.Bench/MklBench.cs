using System.Diagnostics;
using System.Text.Json;
using ConVirt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// MKL's dispatch (<see cref="MklDispatch"/>) is fixed per process, so its two settings are compared in child processes
/// of this program, alternated: <c>mkl</c> (CONVIRT_MKL=vendor against intel) times the float32 matrix products of the models (forward shapes of the text
/// towers' linear layers and ResNet-50's 1x1 convolutions at 224 px, batch 32), and the precision section's
/// <c>--ours-mkl-vendor</c> runs this project's training step once more per round with MKL as shipped.
/// </summary>
internal static class MklBench
{
    /// <summary>(rows, in, out) of one product x [rows, in] · Wᵀ [in, out], and where the models compute it.</summary>
    public static readonly (string Name, long Rows, long In, long Out)[] Shapes =
    [
        ("MiniLM q/k/v/o (768 x 384 -> 384)", 768, 384, 384),
        ("MiniLM intermediate (768 x 384 -> 1536)", 768, 384, 1536),
        ("MiniLM output (768 x 1536 -> 384)", 768, 1536, 384),
        ("BERT-base q/k/v/o (768 x 768 -> 768)", 768, 768, 768),
        ("BERT-base intermediate (768 x 768 -> 3072)", 768, 768, 3072),
        ("ResNet-50 layer1 1x1 (100352 x 64 -> 256)", 100352, 64, 256),
        ("ResNet-50 layer1 1x1 (100352 x 256 -> 64)", 100352, 256, 64),
        ("ResNet-50 layer2 1x1 (25088 x 128 -> 512)", 25088, 128, 512),
        ("ResNet-50 layer3 1x1 (6272 x 1024 -> 256)", 6272, 1024, 256),
        ("ResNet-50 layer4 1x1 (1568 x 512 -> 2048)", 1568, 512, 2048),
        ("square 1024", 1024, 1024, 1024),
    ];

    /// <summary>In a child: GFLOP/s (median of <paramref name="reps"/> after three warm-up calls) of each shape, in this process's dispatch.</summary>
    public static Dictionary<string, double> TimeShapes(int reps)
    {
        var result = new Dictionary<string, double>();
        using var noGrad = torch.no_grad();
        using (var a = torch.randn(1024, 1024)) for (int i = 0; i < 3; i++) using (a.mm(a)) { }   // threads and MKL's buffers up first
        foreach (var (name, rows, inF, outF) in Shapes)
        {
            torch.manual_seed(0);
            using var x = torch.randn(rows, inF);
            using var w = torch.randn(outF, inF);
            using var wt = w.t();
            var times = new List<double>();
            const int warmup = 3;   // with one, the first shape measured 30-40 % low (threads waking up)
            for (int i = 0; i < warmup + reps; i++)
            {
                var sw = Stopwatch.StartNew();
                using (x.mm(wt)) { }   // the output's memory is reused from the previous rep (NativeRuntime's heap policy)
                if (i >= warmup) times.Add(sw.Elapsed.TotalSeconds);
            }
            result[name] = 2.0 * rows * inF * outF / Stats.Of(times).Median / 1e9;
        }
        return result;
    }

    /// <summary>Runs this program once more with <paramref name="arguments"/> and CONVIRT_MKL=<paramref name="policy"/>;
    /// the child's last stdout line is JSON.</summary>
    public static JsonDocument? Child(string policy, IEnumerable<string> arguments, out string? why)
    {
        var self = typeof(MklBench).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(self);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment[MklDispatch.EnvironmentVariable] = policy;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) { why = $"child exited {p.ExitCode}: {stderr.Result.Trim().Split('\n')[^1]}"; return null; }
        why = null;
        return JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
    }

    /// <summary>This project's training step (1 warm-up + <paramref name="reps"/> steps) in a child with MKL as shipped
    /// (CONVIRT_MKL=vendor): the section's <c>train-child</c>; null with a reason when the child failed.</summary>
    public static (List<double> Steps, List<double[]> Phases, double Loss)? OursWithMklAsShipped(string config, int size, int batch, int reps, int threads, out string? why)
    {
        using var child = Child("vendor", ["train-child", "--configs", config, "--size", size.ToString(), "--batch", batch.ToString(), "--reps", reps.ToString(), "--threads", threads.ToString()], out why);
        if (child is null) return null;
        var root = child.RootElement;
        return (root.GetProperty("steps").EnumerateArray().Select(e => e.GetDouble()).ToList(),
                root.GetProperty("phases").EnumerateArray().Select(ph => ph.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToList(),
                root.GetProperty("loss").GetDouble());
    }

    /// <summary>The <c>mkl</c> section: both dispatches alternated <paramref name="rounds"/> times, each shape's median over rounds.</summary>
    public static Dictionary<string, object> Compare(int rounds, int reps, int threads, Action<string> log)
    {
        // intel: the unlocked side on every non-Intel CPU (on one with AVX-512 the same as auto; on an AVX2-only one what auto leaves off)
        var runs = new Dictionary<string, Dictionary<string, List<double>>> { ["vendor"] = [], ["intel"] = [] };
        for (int round = 0; round < rounds; round++)
            foreach (var policy in new[] { "vendor", "intel" })
            {
                using var doc = Child(policy, ["mkl-child", "--reps", reps.ToString(), "--threads", threads.ToString()], out var why);
                if (doc is null) { log($"  [mkl] {policy} failed: {why}"); continue; }
                log($"  round {round + 1} {policy}: {doc.RootElement.GetProperty("state").GetString()} (load {Machine.LoadAverage()})");
                foreach (var shape in doc.RootElement.GetProperty("gflops").EnumerateObject())
                    (runs[policy].TryGetValue(shape.Name, out var list) ? list : runs[policy][shape.Name] = []).Add(shape.Value.GetDouble());
            }
        var table = new Dictionary<string, object>();
        foreach (var (name, _, _, _) in Shapes)
        {
            if (!runs["vendor"].TryGetValue(name, out var v) || !runs["intel"].TryGetValue(name, out var a)) continue;
            double mv = Stats.Of(v).Median, ma = Stats.Of(a).Median;
            table[name] = new Dictionary<string, double> { ["vendor_gflops"] = mv, ["unlocked_gflops"] = ma, ["ratio"] = ma / mv };
            log($"  {name,-46} as shipped {mv,6:F1}  unlocked {ma,6:F1} GFLOP/s  {ma / mv:F2}x");
        }
        return table;
    }
}
