using System.Diagnostics;
using ConVirt.Configuration;
using ConVirt.Data.Pipeline;
using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// The training loop shared by every method: Adam with decay/no-decay groups, the plateau schedule and early stopping
/// on validation loss, gradient clipping, checkpoints that resume exactly, metrics.jsonl and TensorBoard events
/// (<see cref="TrainingLog"/>). Each step is <see cref="TrainingStep"/> on this process's part of the batch
/// (<see cref="ITrainingDistribution"/>). Randomness is a pure function of (seed, epoch, batch, step), so a resumed run
/// trains on the same batches with the same dropout masks as an uninterrupted one.
/// </summary>
internal sealed class Pretrainer
{
    private readonly ConVirtConfig config;
    private readonly IPretrainingObjective objective;
    private readonly IBatchSource train;
    private readonly IBatchSource? validation;
    private readonly string runDirectory;
    private readonly Device device;
    private readonly PrecisionChoice precision;

    /// <summary>Receives progress; may be null.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Stop after this many optimiser steps in total (tests, benchmarks); null = no limit.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>One process (default) or data-parallel ranks; only the writer (rank 0) writes files and reports progress.</summary>
    public ITrainingDistribution Distribution { get; init; } = SingleProcessTraining.Instance;

    /// <summary>A trainer of <paramref name="objective"/> on <paramref name="train"/>, writing to <paramref name="runDirectory"/>.</summary>
    public Pretrainer(ConVirtConfig config, IPretrainingObjective objective, IBatchSource train, IBatchSource? validation, string runDirectory)
    {
        config.Validate();
        this.config = config;
        this.objective = objective;
        this.train = train;
        this.validation = validation;
        this.runDirectory = runDirectory;
        device = torch.device(config.Device);
        precision = PrecisionPolicy.Resolve(config.Precision, config.Device);
    }

    /// <summary>The precision the steps compute in (from <see cref="ConVirtConfig.Precision"/>) and why.</summary>
    public PrecisionChoice Precision => precision;

    /// <summary>Trains, resuming from the run folder's latest checkpoint when <paramref name="resume"/> is set.</summary>
    public TrainingResult Run(bool resume, CancellationToken cancellation = default)
    {
        using var run = Restore(resume);
        while (!run.State.Finished && run.State.Epoch < config.Optimizer.Epochs)
        {
            if (TrainEpoch(run, cancellation) is { } stop) return run.Result(stop);
            EndEpoch(run);
            if (MaxSteps is { } max && run.State.Step >= max) { run.State = run.State with { Finished = true }; return run.Result(StopReason.StepLimit); }
        }
        return run.Result(run.State.Schedule.ShouldStop ? StopReason.EarlyStopped : StopReason.Completed);
    }

    /// <summary>Mean loss over the validation batches (eval mode, no gradients, deterministic batches).</summary>
    public double Validate(IBatchSource source, int epoch)
    {
        var module = objective.Module;
        module.eval();
        double sum = 0;
        int n = 0;
        using (torch.no_grad())
        using (Autocast.Enter(precision.Policy))   // the weights do not change during validation: one cast each
        {
            for (int i = 0; i < source.BatchCount(0); i++)
            {
                using var scope = torch.NewDisposeScope();
                var batch = source.Build(0, i);
                sum += TrainingStep.Loss(objective, batch, device).Total.ToDouble() * batch.Count;
                n += batch.Count;
            }
        }
        module.train();
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Seed of the global generator (dropout) at an optimiser step.</summary>
    public static long StepSeed(int seed, long step) => unchecked(seed * 1_000_003L + step * 7919L + 17);

    /// <summary>Places the model, builds the optimiser, restores the latest checkpoint (or starts afresh) and starts every rank from rank 0's weights.</summary>
    private RunContext Restore(bool resume)
    {
        bool writer = Distribution.IsWriter;
        if (writer) Directory.CreateDirectory(runDirectory);
        var store = new CheckpointStore(runDirectory);
        var module = objective.Module;
        module.to(device);
        var (optimizer, counts) = OptimizerFactory.CreateAdam(module, config.Optimizer.LearningRate, config.Optimizer.WeightDecay);
        var state = new TrainerState(0, 0, 0, new PlateauSchedule(config.Optimizer.LearningRate, config.Optimizer.PlateauFactor,
            config.Optimizer.PlateauPatience, config.Optimizer.EarlyStoppingPatience));
        var latest = resume ? store.Latest() : null;
        if (writer && latest is null) TrainingLog.Reset(runDirectory);
        var log = new TrainingLog(runDirectory, writer, Progress);
        log.Message($"parameters: {counts.DecayElements:N0} with decay in {counts.Decay} tensors, {counts.NoDecayElements:N0} without in {counts.NoDecay}, {counts.Frozen} frozen tensors");
        log.Message($"precision: {precision.Policy.Name} ({precision.Reason})");
        if (latest is not null)
        {
            state = CheckpointStore.Load(latest, module, optimizer);
            log.Message($"resumed from {Path.GetFileName(latest)} (epoch {state.Epoch + 1}, step {state.Step})", state.Epoch, state.Step);
        }
        else if (resume) log.Message($"no checkpoint in {store.CheckpointsDirectory}: starting from the beginning");
        if (writer) Runtime.AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFolder.Config), config.ToJson());   // other ranks may read it (--resume)
        OptimizerFactory.SetLearningRate(optimizer, state.Schedule.LearningRate);
        Distribution.Start(module);   // every rank from rank 0's weights (and buffers: MoCo's key encoder and queue)
        return new RunContext(store, optimizer, log, device, module.parameters().Where(p => p.requires_grad).ToList()) { State = state };
    }

    /// <summary>Trains the rest of the current epoch: per step the step itself, the log window and checkpoints. Returns a reason when the run stops inside the epoch.</summary>
    private StopReason? TrainEpoch(RunContext run, CancellationToken cancellation)
    {
        int batches = train.BatchCount(run.State.Epoch);
        if (batches == 0) throw new InvalidOperationException("the training set yields no batch of at least 2 pairs");
        objective.Module.train();
        using var reader = new PrefetchingBatchReader(Distribution.Batches(train), run.State.Epoch, run.State.NextBatch, config.Data.Prefetch, config.Data.Workers);
        var window = new LogWindow(reader, Distribution);
        while (reader.Next() is { } batch)
        {
            cancellation.ThrowIfCancellationRequested();
            Step(run, batch);
            run.State = run.State with { NextBatch = batch.Index + 1, Step = run.State.Step + 1 };
            window.Add(batch.GlobalCount);

            bool epochEnd = run.State.NextBatch >= batches;
            bool atCheckpoint = run.State.Step % config.CheckpointEverySteps == 0;
            bool atLimit = MaxSteps is { } m && run.State.Step >= m;
            if (run.State.Step % config.LogEverySteps == 0 || epochEnd || atCheckpoint || atLimit)
            {
                // the only host syncs of the loop: at log steps and before checkpoints
                if (!run.AllFinite.ToBoolean())
                {
                    run.Log.Message($"the loss became NaN or infinite before step {run.State.Step}; stopped. The last good checkpoint is kept: {run.Store.Latest() ?? "(none yet)"}. Try a lower learning rate or gradient clipping (--clip-grad).", run.State.Epoch, run.State.Step);
                    return StopReason.NonFiniteLoss;
                }
                LogWindowEnd(run, window, batches);
            }
            if (epochEnd) return null;
            if (atCheckpoint || atLimit)
            {
                Distribution.AverageRunningStatistics(objective.Module);
                if (Distribution.IsWriter) run.Store.Save(objective.Module, run.Optimizer, run.State, config);
                if (atLimit) return StopReason.StepLimit;
            }
        }
        return null;
    }

    /// <summary>One optimiser step on one batch (this process's part of it).</summary>
    private void Step(RunContext run, PairBatch batch)
    {
        using var scope = torch.NewDisposeScope();
        long seed = StepSeed(config.Seed, run.State.Step);
        torch.manual_seed(seed);
        run.Optimizer.zero_grad();
        var (local, negatives) = Distribution.Prepare(batch);
        ContrastiveLossOutput loss;
        // forward and backward (both passes of gradient caching) in one region: weight casts made once,
        // freed before the optimiser changes the parameters
        using (Autocast.Enter(precision.Policy))
            loss = TrainingStep.Backward(objective, local, device, negatives, config.Optimizer.MicroBatch, seed, config.Optimizer.BatchSize);
        Distribution.ReduceGradients();
        if (config.Optimizer.GradientClipNorm is { } clip) nn.utils.clip_grad_norm_(run.ClipParameters, clip);
        run.Optimizer.step();
        using (torch.no_grad()) objective.AfterStep();
        run.Running.add_(torch.stack([loss.Total.detach(), loss.ImageToText.detach(), loss.TextToImage.detach()]));
        run.AllFinite.logical_and_(torch.isfinite(loss.Total.detach()).reshape(1));
    }

    /// <summary>Writes the log window's means (metrics.jsonl, TensorBoard, progress) and starts the next window.</summary>
    private void LogWindowEnd(RunContext run, LogWindow window, int batches)
    {
        var sums = run.Running.cpu().data<float>().ToArray();
        run.Running.zero_();
        var (seconds, wait, communication, pairs, steps) = window.Close();
        double pps = pairs / Math.Max(seconds, 1e-9);
        run.Throughputs.Add(pps);
        run.Wait += wait;
        run.Time += seconds;
        double lossMean = sums[0] / steps;
        var state = run.State;
        var values = new Dictionary<string, object>
        {
            ["step"] = state.Step, ["epoch"] = state.Epoch, ["batch"] = state.NextBatch, ["loss"] = lossMean,
            ["loss_image_to_text"] = sums[1] / steps, ["loss_text_to_image"] = sums[2] / steps, ["lr"] = state.Schedule.LearningRate,
            ["pairs_per_s"] = pps, ["seconds_per_step"] = seconds / steps, ["data_wait_fraction"] = wait / Math.Max(seconds, 1e-9),
        };
        if (Distribution.Collectives.Size > 1)
        {
            values["ranks"] = Distribution.Collectives.Size;
            values["communication_fraction"] = communication / Math.Max(seconds, 1e-9);
        }
        run.Log.Record(state.Step, values, ("train/loss", "loss"), ("train/lr", "lr"), ("train/pairs_per_s", "pairs_per_s"));
        long stepsLeft = (long)(config.Optimizer.Epochs - state.Epoch) * batches - state.NextBatch;
        run.Log.Report(new TrainingProgress(TrainingProgressKind.Step, state.Epoch, config.Optimizer.Epochs, state.NextBatch, batches, state.Step, lossMean, pps,
            TimeSpan.FromSeconds(stepsLeft * seconds / steps)));
    }

    /// <summary>
    /// End of an epoch: batch-norm statistics agreed over ranks, validation (rank 0 validates, every rank follows its
    /// schedule), the schedule, the best model and a checkpoint.
    /// </summary>
    private void EndEpoch(RunContext run)
    {
        var state = run.State;
        int batches = train.BatchCount(state.Epoch);
        Distribution.AverageRunningStatistics(objective.Module);
        double valLoss = validation is null ? double.NaN : Distribution.Agree(Distribution.IsWriter ? Validate(validation, state.Epoch) : 0);
        var schedule = validation is null ? state.Schedule : state.Schedule.Observe(valLoss);
        if (validation is not null)
            run.Log.Record(state.Step, new Dictionary<string, object> { ["step"] = state.Step, ["epoch"] = state.Epoch, ["val_loss"] = valLoss, ["lr"] = schedule.LearningRate },
                ("val/loss", "val_loss"));
        bool best = validation is null || schedule.LastWasBest;
        if (best && validation is not null) run.BestValidation = valLoss;
        run.State = new TrainerState(state.Epoch + 1, 0, state.Step, schedule, schedule.ShouldStop || state.Epoch + 1 >= config.Optimizer.Epochs);
        OptimizerFactory.SetLearningRate(run.Optimizer, schedule.LearningRate);
        if (Distribution.IsWriter)
        {
            if (best) run.Store.SaveBest(objective.Module, run.State, config);
            run.Store.Save(objective.Module, run.Optimizer, run.State, config);
        }
        run.Log.Report(new TrainingProgress(TrainingProgressKind.Epoch, state.Epoch, config.Optimizer.Epochs, batches, batches, state.Step, valLoss, 0, null,
            validation is null ? null : $"validation loss {valLoss:F4}{(best ? " (best)" : "")}, lr {schedule.LearningRate:G3}"));
    }

    /// <summary>What one run holds while it trains.</summary>
    private sealed class RunContext(CheckpointStore store, OptimizerHelper optimizer, TrainingLog log, Device device, List<Parameter> clipParameters) : IDisposable
    {
        public CheckpointStore Store { get; } = store;
        public OptimizerHelper Optimizer { get; } = optimizer;
        public TrainingLog Log { get; } = log;
        public List<Parameter> ClipParameters { get; } = clipParameters;
        public TrainerState State { get; set; } = null!;
        /// <summary>Sums of total, v->u and u->v losses since the last log step (on the device: no host sync per step).</summary>
        public Tensor Running { get; } = torch.zeros(3, device: device);
        public Tensor AllFinite { get; } = torch.ones(1, dtype: ScalarType.Bool, device: device);
        public List<double> Throughputs { get; } = [];
        public double Wait { get; set; }
        public double Time { get; set; }
        public double BestValidation { get; set; } = double.NaN;

        public TrainingResult Result(StopReason reason)
        {
            var sorted = Throughputs.Order().ToList();
            double median = sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
            return new TrainingResult(State, reason, double.IsNaN(BestValidation) ? State.Schedule.BestLoss : BestValidation, median, Time > 0 ? Wait / Time : 0);
        }

        public void Dispose()
        {
            Running.Dispose();
            AllFinite.Dispose();
            Log.Dispose();
        }
    }

    /// <summary>Time, data wait, communication, pairs and steps since the last log step.</summary>
    private sealed class LogWindow(PrefetchingBatchReader reader, ITrainingDistribution distribution)
    {
        private readonly Stopwatch watch = Stopwatch.StartNew();
        private double wait = reader.WaitSeconds, communication = distribution.CommunicationSeconds;
        private int pairs, steps;

        public void Add(int batchPairs) { pairs += batchPairs; steps++; }

        public (double Seconds, double Wait, double Communication, int Pairs, int Steps) Close()
        {
            var result = (watch.Elapsed.TotalSeconds, reader.WaitSeconds - wait, distribution.CommunicationSeconds - communication, pairs, steps);
            watch.Restart();
            wait = reader.WaitSeconds;
            communication = distribution.CommunicationSeconds;
            pairs = steps = 0;
            return result;
        }
    }
}
