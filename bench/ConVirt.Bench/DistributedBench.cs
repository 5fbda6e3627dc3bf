using ConVirt.Interop;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ConVirt.Data.Synthetic;
using ConVirt.Models;

namespace ConVirt.Bench;

/// <summary>
/// Section <c>distributed</c>: data-parallel ranks under Open MPI's mpirun against one process with the same cores, at the
/// same global batch (the tool as a user runs it, metrics from rank 0's metrics.jsonl), and the pieces of a cost model:
/// trainable parameters and embedding sizes of cpu-small and paper, bytes each rank moves per step, and the all-reduce
/// bandwidth measured here.
/// </summary>
internal static class DistributedBench
{
    public static Dictionary<string, object> Run(string cli, string scratch, bool quick, Action<string> log)
    {
        var result = new Dictionary<string, object>();
        var mpirun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        foreach (var name in new[] { "cpu-small", "paper" }) result[name] = Model(name, batch: 32);
        if (mpirun is null) { log("[distributed] skipped the runs: mpirun not found (apt-get install openmpi-bin)"); result["runs"] = "skipped: no mpirun"; return result; }

        var data = Path.Combine(scratch, "distributed");
        SyntheticDataset.Write(data, 96, 96, seed: 7);
        int batch = 16, steps = quick ? 6 : 15, logEvery = 3, reps = quick ? 1 : 3;
        log($"[distributed] cpu-small (packaged ResNet-18 + MiniLM), 64 px, global batch {batch}, {steps} steps, log every {logEvery} (first interval dropped); {reps} alternating repetitions (load {Machine.LoadAverage()})");
        var single = new List<double>();
        var ranks = new List<double>();
        var comm = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var a = Once(cli, mpirun, data, ranks: 1, threads: 2, batch, steps, logEvery, $"a{r}");
            var b = Once(cli, mpirun, data, ranks: 2, threads: 1, batch, steps, logEvery, $"b{r}");
            single.AddRange(a.Pps);
            ranks.AddRange(b.Pps);
            comm.AddRange(b.Communication);
            log($"  repetition {r + 1}: 1 rank x 2 threads {Median(a.Pps):F2} pairs/s; 2 ranks x 1 thread {Median(b.Pps):F2} pairs/s, communication {Median(b.Communication):P1} of step time (load {Machine.LoadAverage()})");
        }
        double ratio = Median(ranks) / Median(single);
        log($"  median: 1x2 {Median(single):F2} pairs/s, 2x1 {Median(ranks):F2} pairs/s, ratio 2x1 / 1x2 = {ratio:F2}; communication share (rank 0, waiting included) {Median(comm):P1}");
        result["runs"] = new Dictionary<string, object>
        {
            ["batch"] = batch, ["image_size"] = 64, ["steps"] = steps, ["repetitions"] = reps,
            ["one_rank_two_threads_pairs_per_s"] = single, ["two_ranks_one_thread_pairs_per_s"] = ranks, ["communication_fraction"] = comm,
            ["ratio_two_ranks_over_one"] = ratio,
        };
        result["allreduce"] = AllReduceBandwidth(cli, mpirun, data, log);
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        return result;
    }

    /// <summary>Trainable parameters, projection width and the bytes one rank moves per step over N ranks.</summary>
    static Dictionary<string, object> Model(string name, int batch)
    {
        var sc = StepConfig.Named(name);
        using var model = ModelFactory.CreateRandom(sc.Config.Model);
        long trainable = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        int d = sc.Config.Model.ProjectionDim;
        var perRanks = new Dictionary<string, object>();
        foreach (int n in new[] { 2, 8, 32 })
        {
            // ring all-reduce sends and receives 2(N-1)/N of the buffer; the embedding all-gather receives (N-1)/N of the
            // B x d floats of v and of u, and the reduce-scatter of their gradients as much again
            double allReduce = 2.0 * (n - 1) / n * trainable * 4;
            double embeddings = 2 * 2.0 * (n - 1) / n * (batch * n) * d * 4;
            perRanks[n.ToString(CultureInfo.InvariantCulture)] = new Dictionary<string, object> { ["allreduce_bytes"] = allReduce, ["embedding_bytes"] = embeddings };
        }
        return new Dictionary<string, object> { ["trainable_parameters"] = trainable, ["projection_dim"] = d, ["batch_per_rank"] = batch, ["bytes_per_step_by_ranks"] = perRanks };
    }

    /// <summary>Seconds per step and communication share of 2 ranks training a model whose step is nearly all gradient traffic.</summary>
    static Dictionary<string, object> AllReduceBandwidth(string cli, string mpirun, string data, Action<string> log)
    {
        // cpu-small at 32 px, batch 4: compute is small, the 28.6 M-parameter all-reduce is the same as at any size
        var b = Once(cli, mpirun, data, ranks: 2, threads: 1, batch: 4, steps: 9, logEvery: 3, "bw", size: 32);
        var seconds = Median(b.SecondsPerStep);
        var share = Median(b.Communication);
        log($"  all-reduce probe (2 ranks, 32 px, batch 4): {seconds:F2} s/step, {share:P1} in collectives = {seconds * share:F3} s of communication per step");
        return new Dictionary<string, object> { ["seconds_per_step"] = seconds, ["communication_fraction"] = share, ["communication_seconds_per_step"] = seconds * share };
    }

    sealed record Measured(List<double> Pps, List<double> Communication, List<double> SecondsPerStep);

    static Measured Once(string cli, string mpirun, string data, int ranks, int threads, int batch, int steps, int logEvery, string tag, int size = 64)
    {
        var run = Path.Combine(data, "run-" + tag);
        var args = new List<string>();
        string file = "dotnet";
        if (ranks > 1)
        {
            file = mpirun;
            args.AddRange(["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(CultureInfo.InvariantCulture), "dotnet"]);
        }
        args.AddRange([cli, "pretrain", "--train", Path.Combine(data, "manifest.jsonl"), "--out", run, "--image-size", size.ToString(CultureInfo.InvariantCulture),
            "--batch-size", batch.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture), "--workers", "1",
            "--max-steps", steps.ToString(CultureInfo.InvariantCulture), "--log-every", logEvery.ToString(CultureInfo.InvariantCulture), "--epochs", "100"]);
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        var lines = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("pairs_per_s", out _)).Skip(1).ToList();
        try { Directory.Delete(run, recursive: true); } catch (IOException) { }
        return new Measured(lines.Select(e => e.GetProperty("pairs_per_s").GetDouble()).ToList(),
            lines.Select(e => e.TryGetProperty("communication_fraction", out var c) ? c.GetDouble() : 0).ToList(),
            lines.Select(e => e.GetProperty("seconds_per_step").GetDouble()).ToList());
    }

    static double Median(List<double> v)
    {
        if (v.Count == 0) return double.NaN;
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
