using System.Globalization;
using ConVirt.Data.Synthetic;
using ConVirt.Interop;
using ConVirt.Configuration;
using ConVirt.Tests.Pipeline;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Tests.Distributed;

/// <summary>Data and the single-process reference runs shared by the MPI tests (built once).</summary>
public sealed class MpiRunsFixture
{
    public const int Batch = 8, Steps = 6, CheckpointEvery = 2;
    private readonly Lazy<(string Run, string Output)> reference, control, twoRanks;
    private readonly Lazy<Dictionary<string, double[]>> initial;

    /// <summary>The trainable weights before the first step (float64).</summary>
    public Dictionary<string, double[]> Initial => initial.Value;

    public MpiRunsFixture()
    {
        Data = TinyRuns.TempFolder("mpi-data");
        // 46 cases: 38 training rows, so the 5th batch of each epoch holds 6 pairs (the epoch's smaller last batch falls inside the 6 steps)
        SyntheticDataset.Write(Data, 46, 40, seed: 3);
        Config = Path.Combine(Data, "tiny.json");
        File.WriteAllText(Config, TinyRuns.Config(imageSize: 32, batch: Batch, epochs: 3, seed: 11).ToJson() );
        initial = new(() =>
        {
            // the weights every run starts from: the tool seeds and builds exactly this before its first step
            var config = ConVirtConfig.FromJson(File.ReadAllText(Config));
            var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(Path.Combine(Data, "manifest.jsonl")));
            return prepared.Objective.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().to(torch.float64).data<double>().ToArray());
        });
        reference = new(() => Tool(null, "reference", Steps, micro: Batch / 2, checkpointEvery: CheckpointEvery));
        control = new(() => Tool(null, "control", Steps, checkpointEvery: CheckpointEvery));
        twoRanks = new(() => Tool(2, "np2", Steps, checkpointEvery: CheckpointEvery));
    }

    public string Data { get; }
    public string Config { get; }

    /// <summary>One process, --batch-size 8 --micro-batch 4 (batch norm per half batch), 6 steps.</summary>
    public (string Run, string Output) Reference => reference.Value;

    /// <summary>One process, --batch-size 8 without micro-batches (batch norm over the whole batch), 6 steps.</summary>
    public (string Run, string Output) Control => control.Value;

    /// <summary>mpirun -np 2, --batch-size 8, 6 steps, a checkpoint every 2.</summary>
    public (string Run, string Output) TwoRanks => twoRanks.Value;

    /// <summary>Runs `convirt pretrain` alone (ranks null) or under mpirun; returns the run folder and output.</summary>
    public (string Run, string Output) Tool(int? ranks, string name, long steps, int? micro = null, string? run = null, bool resume = false, int checkpointEvery = 1000)
    {
        run ??= Path.Combine(TinyRuns.TempFolder("mpi-" + name), "run");
        var (code, output) = MpiTool.Run(ranks is null ? "dotnet" : MpiTool.Mpirun()!, Args(ranks, run, steps, micro, resume, checkpointEvery), TimeSpan.FromMinutes(8));
        Assert.True(code == 0, $"{name}: exit code {code}\n{output}");
        return (run, output);
    }

    public IEnumerable<string> Args(int? ranks, string run, long steps, int? micro, bool resume, int checkpointEvery)
    {
        var args = new List<string>();
        if (ranks is { } n) args.AddRange(MpiTool.MpirunArgs(n));
        else args.Add(MpiTool.Dll);
        args.AddRange(["pretrain", "--train", Path.Combine(Data, "manifest.jsonl"), "--out", run, "--config", Config, "--threads", "1",
            "--log-every", "1", "--max-steps", steps.ToString(CultureInfo.InvariantCulture), "--checkpoint-every", checkpointEvery.ToString(CultureInfo.InvariantCulture)]);
        if (micro is { } m) args.AddRange(["--micro-batch", m.ToString(CultureInfo.InvariantCulture)]);
        if (resume) args.Add("--resume");
        return args;
    }

    /// <summary>The trainable tensors of a run's latest checkpoint (batch-norm statistics left out), as float64 arrays.</summary>
    public static Dictionary<string, double[]> Weights(string run)
    {
        var latest = File.ReadAllText(Path.Combine(run, "checkpoints", "latest")).Trim();
        var tensors = SafeTensors.Read(Path.Combine(run, "checkpoints", latest, "model.safetensors"));
        try
        {
            return tensors.Where(kv => !kv.Key.Contains("running_", StringComparison.Ordinal) && !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value.to(torch.float64).data<double>().ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}

/// <summary>
/// `mpirun -np N convirt pretrain` against single-process runs of the same tool on a small synthetic set (tiny model,
/// 32 px, batch 8, 4 optimiser steps, one thread per process).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MpiTrainingTests(MpiRunsFixture runs) : IClassFixture<MpiRunsFixture>
{
    [Fact]
    public void TwoRanksEqualOneProcessWithMicroBatchesOfHalfTheBatch()
    {
        if (MpiTool.Mpirun() is null) return;
        var reference = runs.Reference.Run;
        var (two, output) = runs.TwoRanks;
        Assert.Contains("data-parallel: 2 ranks", output);
        // step 1 starts from the same weights: the losses differ only by float32 summation order
        Assert.True(Math.Abs(Loss(reference, 1) - Loss(two, 1)) <= 1e-5, $"step 1 loss: np2 {Loss(two, 1):R}, one process {Loss(reference, 1):R}");
        var expected = MpiRunsFixture.Weights(reference);
        var actual = MpiRunsFixture.Weights(two);
        var control = MpiRunsFixture.Weights(runs.Control.Run);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        // every step's loss agrees, the 5th (the epoch's smaller last batch of 6 pairs, cut 3 + 3 by both) included
        for (int step = 1; step <= MpiRunsFixture.Steps; step++)
            Assert.True(Math.Abs(Loss(reference, step) - Loss(two, step)) <= 1e-4 * Math.Abs(Loss(reference, step)), $"step {step} loss: np2 {Loss(two, step):R}, one process {Loss(reference, step):R}");
        // measured against the distance the weights travelled (‖w_ref - w_0‖), not their norm, which hides differences:
        // after 6 Adam steps the trajectory amplifies round-off (where a gradient is near zero, Δupdate ≈ lr·Δg/ε), so
        // the tolerance is 5 % of the distance travelled; the control (batch norm over the whole batch) must lie outside it
        double travelled = Norm(expected, runs.Initial), diff = Norm(expected, actual), controlDiff = Norm(expected, control);
        Console.WriteLine($"np2 vs --micro-batch 4 after {MpiRunsFixture.Steps} steps: ‖Δw‖ / distance travelled = {diff / travelled:E2}; control (no micro-batch): {controlDiff / travelled:E2}");
        Assert.True(diff <= 0.05 * travelled, $"‖w_np2 - w_ref‖ = {diff:E3}, distance travelled ‖w_ref - w_0‖ = {travelled:E3}");
        Assert.True(controlDiff > 0.05 * travelled, $"the control run lies within the tolerance ({controlDiff / travelled:E2}): the test cannot tell batch-norm slicing apart");
        // rank 0's checkpoint holds batch-norm statistics averaged over the ranks (running means start at 0, so their norm is
        // the distance they travelled); rank 0's own statistics alone lay half that distance from the micro-batch run's
        var stats = RunningStatistics(reference);
        var twoStats = RunningStatistics(two);
        double statsTravelled = Norm(stats, null), statsDiff = Norm(stats, twoStats);
        Console.WriteLine($"running means: ‖Δ‖ / distance travelled = {statsDiff / statsTravelled:E2}");
        Assert.True(statsDiff <= 0.2 * statsTravelled, $"running means of np2 lie {statsDiff / statsTravelled:E2} of their distance from the micro-batch run's");
        // one writer: each of the 6 steps logged once (--log-every 1; a second rank writing would repeat them)
        var logged = File.ReadLines(Path.Combine(two, "metrics.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("loss", out _)).Select(e => e.GetProperty("step").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, MpiRunsFixture.Steps).Select(i => (long)i), logged);
    }

    [Fact]
    public void OneRankUnderMpirunEqualsNoMpiExactly()
    {
        if (MpiTool.Mpirun() is null) return;
        var reference = runs.Reference;
        var (one, _) = runs.Tool(1, "np1", MpiRunsFixture.Steps, micro: MpiRunsFixture.Batch / 2, checkpointEvery: MpiRunsFixture.CheckpointEvery);
        var expected = MpiRunsFixture.Weights(reference.Run);
        var actual = MpiRunsFixture.Weights(one);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected) Assert.True(e.SequenceEqual(actual[name]), $"{name} differs between -np 1 and no mpirun");
    }

    [Fact]
    public void AKilledRankEndsTheJobAndResumeCompletesAsAnUninterruptedRun()
    {
        var mpirun = MpiTool.Mpirun();
        if (mpirun is null) return;
        const int steps = MpiRunsFixture.Steps;
        var (uninterrupted, _) = runs.TwoRanks;

        // a run that would go on much longer, with a checkpoint every 2 steps; rank 1 is killed once the first is written
        var run = Path.Combine(TinyRuns.TempFolder("mpi-killed"), "run");
        var (job, output) = MpiTool.Start(mpirun, runs.Args(2, run, 1000, micro: null, resume: false, checkpointEvery: MpiRunsFixture.CheckpointEvery));
        using (job)
        {
            var latest = Path.Combine(run, "checkpoints", "latest");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!File.Exists(latest) && !job.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.True(File.Exists(latest), $"no checkpoint appeared\n{output}");
            var victims = MpiTool.RankProcesses(job.Id, rank: 1);
            Assert.True(victims.Count > 0, $"rank 1's process not found under mpirun {job.Id}");
            foreach (var pid in victims) System.Diagnostics.Process.GetProcessById(pid).Kill();
            Assert.True(job.WaitForExit(TimeSpan.FromMinutes(1)), "mpirun did not end the job after rank 1 was killed");
            job.WaitForExit();
            Assert.NotEqual(0, job.ExitCode);
        }
        long killedAt = ConVirt.Training.CheckpointStore.ReadState(Path.Combine(run, "checkpoints", File.ReadAllText(Path.Combine(run, "checkpoints", "latest")).Trim())).Step;
        Assert.InRange(killedAt, 2, steps - 1);

        var (_, resumed) = runs.Tool(2, "resumed", steps, run: run, resume: true, checkpointEvery: MpiRunsFixture.CheckpointEvery);
        Assert.Contains($"resumed from step-{killedAt:D8}", resumed);
        var expected = MpiRunsFixture.Weights(uninterrupted);
        var actual = MpiRunsFixture.Weights(run);
        foreach (var (name, e) in expected) Assert.True(e.SequenceEqual(actual[name]), $"{name}: the resumed run differs from the uninterrupted one");
    }

    private static double Loss(string run, long step)
    {
        foreach (var line in File.ReadLines(Path.Combine(run, "metrics.jsonl")))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            if (doc.RootElement.GetProperty("step").GetInt64() == step && doc.RootElement.TryGetProperty("loss", out var loss)) return loss.GetDouble();
        }
        throw new InvalidDataException($"{run}: no loss logged at step {step}");
    }

    private static Dictionary<string, double[]> RunningStatistics(string run)
    {
        var latest = File.ReadAllText(Path.Combine(run, "checkpoints", "latest")).Trim();
        var tensors = SafeTensors.Read(Path.Combine(run, "checkpoints", latest, "model.safetensors"));
        try
        {
            return tensors.Where(kv => kv.Key.EndsWith("running_mean", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value.to(torch.float64).data<double>().ToArray());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static double Norm(Dictionary<string, double[]> a, Dictionary<string, double[]>? b) =>
        Math.Sqrt(a.Sum(kv => b is null ? kv.Value.Sum(x => x * x) : kv.Value.Zip(b[kv.Key], (x, y) => (x - y) * (x - y)).Sum()));
}
