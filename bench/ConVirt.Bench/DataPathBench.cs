using ConVirt.Data.Pipeline;
using System.Diagnostics;
using ConVirt.Configuration;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// Figure 2: the training step fed by the real data path (PretrainingJob.Prepare's PairedBatchSource over a
/// manifest, read through PrefetchingBatchReader with the configuration's prefetch and workers, exactly as
/// Pretrainer does) against the same step fed the same batches already built in memory.
/// </summary>
internal static class DataPathBench
{
    public sealed record Result(Stats FedSteps, Stats MemorySteps, double WaitSeconds, double FedSeconds, double WaitFraction,
        Stats BuildSeconds, int Prefetch, int Workers, double MeanTokens);

    public static Result Run(StepConfig sc, string manifest, int warmup, int reps)
    {
        var config = sc.Config with { Optimizer = sc.Config.Optimizer with { BatchSize = 32 } };
        var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(manifest));
        var objective = prepared.Objective;
        var module = objective.Module;
        module.train();
        var (optimizer, _) = OptimizerFactory.CreateAdam(module, 1e-4, 1e-6);
        int total = warmup + reps;
        int available = prepared.Train.BatchCount(0);
        if (available < total) throw new InvalidOperationException($"{manifest}: {available} batches, {total} needed");

        // how long the data path takes to build one batch on one thread (no model running)
        var build = new List<double>();
        var inMemory = new List<PairBatch>();
        for (int i = 0; i < total; i++)
        {
            var w = Stopwatch.StartNew();
            inMemory.Add(prepared.Train.Build(0, i));
            build.Add(w.Elapsed.TotalSeconds);
        }
        double meanTokens = inMemory.Average(b => b.Tokens!.Length);

        void Step(PairBatch batch)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            TrainingStep.Backward(objective, batch, CPU, ConVirt.Distributed.GlobalNegatives.SingleProcess(batch.Count), null, 0);
            optimizer.step();
        }

        // in memory: batches built beforehand, same indices and therefore same token lengths
        var memorySteps = new List<double>();
        for (int i = 0; i < total; i++)
        {
            var w = Stopwatch.StartNew();
            Step(inMemory[i]);
            if (i >= warmup) memorySteps.Add(w.Elapsed.TotalSeconds);
        }

        // fed: the reader builds the same batches on background threads while the model trains
        var fedSteps = new List<double>();
        double waitAtWarm = 0, fedSeconds = 0;
        using (var reader = new PrefetchingBatchReader(prepared.Train, 0, 0, config.Data.Prefetch, config.Data.Workers))
        {
            for (int i = 0; i < total; i++)
            {
                if (i == warmup) waitAtWarm = reader.WaitSeconds;
                var w = Stopwatch.StartNew();
                var batch = reader.Next() ?? throw new InvalidOperationException("reader ended early");
                Step(batch);
                if (i >= warmup) { fedSteps.Add(w.Elapsed.TotalSeconds); fedSeconds += w.Elapsed.TotalSeconds; }
            }
            double wait = reader.WaitSeconds - waitAtWarm;
            optimizer.Dispose();
            module.Dispose();
            return new Result(Stats.Of(fedSteps), Stats.Of(memorySteps), wait, fedSeconds, wait / fedSeconds, Stats.Of(build),
                config.Data.Prefetch, config.Data.Workers, meanTokens);
        }
    }
}
