using ConVirt.Interop;
using System.Diagnostics;
using System.Text.Json;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Precision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>Figure 1: one ConVIRT training step (forward both towers, loss, backward, Adam) on synthetic tensors.</summary>
internal static class TrainStepBench
{
    public static readonly string[] Phases = ["image_forward", "text_forward", "loss", "backward", "optimizer"];

    /// <summary>Per-step seconds and per-phase seconds of this project's step.</summary>
    public static (List<double> Steps, List<double[]> Phases) RunOurs(StepConfig sc, int batch, int size, int tokens, int warmup, int reps) =>
        RunOurs(sc, batch, size, tokens, warmup, reps, Float32Policy.Instance, out _);

    /// <summary>The loss of the last step <see cref="RunOurs(StepConfig, int, int, int, int, int, PrecisionPolicy, out ValueTuple{int, long})"/> ran
    /// (random weights and inputs at batch B: near ln B on both sides when the kernels are right).</summary>
    public static double LastLoss { get; private set; } = double.NaN;

    /// <summary>The same step with forward, loss and backward in one region of <paramref name="policy"/> (as the trainer does);
    /// <paramref name="casts"/>: the weight copies the last step's region made.</summary>
    public static (List<double> Steps, List<double[]> Phases) RunOurs(StepConfig sc, int batch, int size, int tokens, int warmup, int reps,
        PrecisionPolicy policy, out (int Casts, long Bytes) casts)
    {
        casts = (0, 0);
        torch.manual_seed(0);
        var model = ModelFactory.CreateRandom(sc.Config.Model);
        model.train();
        var loss = new ConVirtLoss(sc.Config.Loss.Temperature, sc.Config.Loss.Lambda);
        var (optimizer, _) = OptimizerFactory.CreateAdam(model, 1e-4, 1e-6);
        var (images, ids, mask) = SyntheticInputs(batch, size, tokens);
        var steps = new List<double>();
        var phases = new List<double[]>();
        var w = new Stopwatch();
        for (int i = 0; i < warmup + reps; i++)
        {
            var t = new double[5];
            w.Restart();
            using (var scope = torch.NewDisposeScope())
            {
                optimizer.zero_grad();
                using (var region = Autocast.Enter(policy))
                {
                    var v = model.EncodeImage(images);
                    t[0] = w.Elapsed.TotalSeconds;
                    var u = model.EncodeText(ids, mask);
                    t[1] = w.Elapsed.TotalSeconds;
                    var l = loss.Compute(v, u);
                    t[2] = w.Elapsed.TotalSeconds;
                    l.Total.backward();
                    t[3] = w.Elapsed.TotalSeconds;
                    if (i == warmup + reps - 1) LastLoss = l.Total.item<float>(); // a sanity figure for the log (microseconds)
                    casts = (region.Cache.Casts, region.Cache.Bytes);
                }
                optimizer.step();
                t[4] = w.Elapsed.TotalSeconds;
            }
            double total = w.Elapsed.TotalSeconds;
            if (i >= warmup)
            {
                steps.Add(total);
                phases.Add([t[0], t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3]]);
            }
        }
        images.Dispose(); ids.Dispose(); mask.Dispose();
        optimizer.Dispose();
        model.Dispose();
        return (steps, phases);
    }

    /// <summary>images [B, 1, S, S] uniform [0, 1); ids [B, T] with [CLS] ... [SEP]; mask all ones (fixed-length sentences).</summary>
    public static (Tensor Images, Tensor Ids, Tensor Mask) SyntheticInputs(int batch, int size, int tokens)
    {
        torch.manual_seed(0);
        var images = torch.rand(batch, 1, size, size);
        var ids = torch.randint(1000, 30000, [batch, tokens], dtype: int64);
        ids[TensorIndex.Colon, 0] = torch.tensor(101L);
        ids[TensorIndex.Colon, tokens - 1] = torch.tensor(102L);
        var mask = torch.ones(batch, tokens, dtype: int64);
        return (images, ids, mask);
    }

    /// <summary>Runs bench/pytorch/train_step.py with /usr/bin/python3; null with a reason when it cannot.</summary>
    public static (List<double> Steps, List<double[]> Phases, Dictionary<string, object> Info)? RunPyTorch(string repoRoot, string config, int threads,
        int batch, int size, int tokens, int warmup, int reps, bool channelsLast, out string? why) =>
        RunPyTorch(repoRoot, config, threads, batch, size, tokens, warmup, reps, channelsLast, "fp32", trixie: false, compile: false, out why);

    /// <summary>
    /// The PyTorch step in <paramref name="precision"/> (fp32, or bf16 through <c>torch.autocast</c>): Debian 12's PyTorch 1.13
    /// (/usr/bin/python3), or with <paramref name="trixie"/> Debian 13's PyTorch 2.6 in the root bench/pytorch/trixie-root.sh
    /// built (run by bench/pytorch/trixie-run.sh under chroot); <paramref name="compile"/> wraps both towers in <c>torch.compile</c>
    /// (2.x only; the warm-up steps include the compilation).
    /// </summary>
    public static (List<double> Steps, List<double[]> Phases, Dictionary<string, object> Info)? RunPyTorch(string repoRoot, string config, int threads,
        int batch, int size, int tokens, int warmup, int reps, bool channelsLast, string precision, bool trixie, bool compile, out string? why,
        string? onednnMaxIsa = null)
    {
        var script = Path.Combine(repoRoot, "bench", "pytorch", "train_step.py");
        var psi = new ProcessStartInfo(trixie ? "/bin/bash" : "/usr/bin/python3")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (trixie) psi.ArgumentList.Add(Path.Combine(repoRoot, "bench", "pytorch", "trixie-run.sh"));
        foreach (var a in new[] { script, "--config", config, "--threads", threads.ToString(), "--warmup", warmup.ToString(), "--reps", reps.ToString(),
                     "--batch", batch.ToString(), "--size", size.ToString(), "--tokens", tokens.ToString() })
            psi.ArgumentList.Add(a);
        if (channelsLast) psi.ArgumentList.Add("--channels-last");
        if (precision != "fp32") { psi.ArgumentList.Add("--precision"); psi.ArgumentList.Add(precision); }
        if (compile) psi.ArgumentList.Add("--compile");
        psi.Environment["OMP_NUM_THREADS"] = threads.ToString();
        // a cap on oneDNN's instruction set for the peer only (e.g. AVX: on a CPU whose CPUID hides its caches, oneDNN's
        // AVX2/AVX-512 1x1 convolutions are wrong or divide by zero; docs/testing.md, docs/benchmarks.md section 14)
        if (onednnMaxIsa is not null) psi.Environment["ONEDNN_MAX_CPU_ISA"] = onednnMaxIsa;
        // Debian 13's PyTorch 2.6 sends linear layers to OpenBLAS, whose own pthreads fight libtorch's OpenMP threads:
        // measured (cpu-small, batch 8, 64 px, 2 cores, heavy load) 12.8 s per step with 2 OpenBLAS threads, 3.0 s with 1.
        // The 2.6 peer gets its better setting; runs quoted before this change (docs/benchmarks.md, section 8) had 2.
        psi.Environment["OPENBLAS_NUM_THREADS"] = trixie ? "1" : threads.ToString();
        // the same libgomp wait policy as this process's libtorch (NativeRuntime sets PASSIVE natively)
        if (Runtime.NativeRuntime.OpenMpWaitPolicy != "default") psi.Environment["OMP_WAIT_POLICY"] = Runtime.NativeRuntime.OpenMpWaitPolicy;
        // the same allocator policy as this process (NativeRuntime.AllocatorPolicy), through glibc's variables
        if (Runtime.NativeRuntime.AllocatorPolicy == "heap")
        {
            psi.Environment["MALLOC_MMAP_MAX_"] = "0";
            psi.Environment["MALLOC_TRIM_THRESHOLD_"] = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        try
        {
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) { why = $"python exited {p.ExitCode}: {Last(stderr.Result)}"; return null; }
            using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            var root = doc.RootElement;
            var steps = root.GetProperty("step_seconds").EnumerateArray().Select(e => e.GetDouble()).ToList();
            var phases = root.GetProperty("phases").EnumerateArray().Select(ph => Phases.Select(n => ph.GetProperty(n).GetDouble()).ToArray()).ToList();
            var info = new Dictionary<string, object>();
            foreach (var name in new[] { "torch", "torchvision", "threads", "interop_threads", "blas", "trainable_tensors", "precision", "channels_last", "compile", "attention", "loss" })
                if (root.TryGetProperty(name, out _))
                info[name] = root.GetProperty(name).ToString();
            why = null;
            return (steps, phases, info);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            why = e.Message;
            return null;
        }
    }

    static string Last(string s) => string.Join(" | ", s.Trim().Split('\n').TakeLast(3));
}
