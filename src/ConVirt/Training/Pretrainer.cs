using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ConVirt.Configuration;
using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// The training loop shared by ConVIRT, SimCLR and MoCo v2: Adam with decay/no-decay groups, the plateau
/// schedule and early stopping on validation loss, gradient clipping, checkpoints that resume exactly,
/// metrics.jsonl and TensorBoard events. Randomness is a pure function of (seed, epoch, batch, step), so a
/// resumed run trains on the same batches with the same dropout masks as an uninterrupted one.
/// </summary>
public sealed class Pretrainer
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
        bool writer = Distribution.IsWriter;
        if (writer) Directory.CreateDirectory(runDirectory);
        var store = new CheckpointStore(runDirectory);
        var module = objective.Module;
        module.to(device);
        var (optimizer, counts) = OptimizerFactory.CreateAdam(module, config.Optimizer.LearningRate, config.Optimizer.WeightDecay);
        Report("message", 0, 0, 0, 0, double.NaN, 0, null,
            $"parameters: {counts.DecayElements:N0} with decay in {counts.Decay} tensors, {counts.NoDecayElements:N0} without in {counts.NoDecay}, {counts.Frozen} frozen tensors");
        Report("message", 0, 0, 0, 0, double.NaN, 0, null, $"precision: {precision.Policy.Name} ({precision.Reason})");

        var state = new TrainerState(0, 0, 0, new PlateauSchedule(config.Optimizer.LearningRate, config.Optimizer.PlateauFactor,
            config.Optimizer.PlateauPatience, config.Optimizer.EarlyStoppingPatience));
        if (resume && store.Latest() is { } latest)
        {
            state = CheckpointStore.Load(latest, module, optimizer);
            Report("message", state.Epoch, 0, 0, 0, double.NaN, 0, null, $"resumed from {Path.GetFileName(latest)} (epoch {state.Epoch + 1}, step {state.Step})");
        }
        else
        {
            if (resume) Report("message", 0, 0, 0, 0, double.NaN, 0, null, $"no checkpoint in {store.CheckpointsDirectory}: starting from the beginning");
            if (writer && File.Exists(Path.Combine(runDirectory, "metrics.jsonl"))) File.Delete(Path.Combine(runDirectory, "metrics.jsonl"));
        }
        if (writer) Runtime.AtomicFile.WriteAllText(Path.Combine(runDirectory, "config.json"), config.ToJson());   // other ranks may read it (--resume)
        OptimizerFactory.SetLearningRate(optimizer, state.Schedule.LearningRate);
        Distribution.Start(module);   // every rank from rank 0's weights (and buffers: MoCo's key encoder and queue)
        var batchesHere = Distribution.Batches(train);

        using var metrics = writer ? new StreamWriter(Path.Combine(runDirectory, "metrics.jsonl"), append: true) { AutoFlush = true } : null;
        var events = writer ? new TensorBoardLog(Path.Combine(runDirectory, "tensorboard")) : null;
        var clipParams = module.parameters().Where(p => p.requires_grad).ToList();
        var throughputs = new List<double>();
        double totalWait = 0, totalTime = 0;
        string stopReason = "completed";
        double bestVal = state.Schedule.BestLoss;

        using var running = torch.zeros(3, device: device);                  // sums of total, v->u, u->v since the last log
        using var allFinite = torch.ones(1, dtype: ScalarType.Bool, device: device);
        var totalWatch = Stopwatch.StartNew();

        while (!state.Finished && state.Epoch < config.Optimizer.Epochs)
        {
            int batches = train.BatchCount(state.Epoch);
            if (batches == 0) throw new InvalidOperationException("the training set yields no batch of at least 2 pairs");
            module.train();
            using (var reader = new PrefetchingBatchReader(batchesHere, state.Epoch, state.NextBatch, config.Data.Prefetch, config.Data.Workers))
            {
                var logWatch = Stopwatch.StartNew();
                double logCommunication = Distribution.CommunicationSeconds;
                double logWait = reader.WaitSeconds;
                int logPairs = 0, logSteps = 0;
                while (reader.Next() is { } batch)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using (var scope = torch.NewDisposeScope())
                    {
                        torch.manual_seed(StepSeed(config.Seed, state.Step));
                        optimizer.zero_grad();
                        long stepSeed = StepSeed(config.Seed, state.Step);
                        ContrastiveLossOutput loss;
                        // forward and backward (both passes of gradient caching) in one region: weight casts made once,
                        // freed before the optimiser changes the parameters
                        using (Autocast.Enter(precision.Policy))
                            loss = Distribution.Backward(objective, batch, device, config.Optimizer.MicroBatch, stepSeed);
                        if (config.Optimizer.GradientClipNorm is { } clip) nn.utils.clip_grad_norm_(clipParams, clip);
                        optimizer.step();
                        using (torch.no_grad()) objective.AfterStep(batch);
                        running.add_(torch.stack([loss.Total.detach(), loss.ImageToText.detach(), loss.TextToImage.detach()]));
                        allFinite.logical_and_(torch.isfinite(loss.Total.detach()).reshape(1));
                    }
                    state = state with { NextBatch = batch.Index + 1, Step = state.Step + 1 };
                    currentStep = state.Step;
                    logPairs += batch.GlobalCount;
                    logSteps++;

                    bool epochEnd = state.NextBatch >= batches;
                    bool atLog = state.Step % config.LogEverySteps == 0 || epochEnd;
                    bool atCheckpoint = state.Step % config.CheckpointEverySteps == 0;
                    bool atLimit = MaxSteps is { } m && state.Step >= m;
                    if (atLog || atCheckpoint || atLimit)
                    {
                        // the only host syncs of the loop: at log steps and before checkpoints
                        if (!allFinite.ToBoolean())
                        {
                            stopReason = "non-finite-loss";
                            Report("message", state.Epoch, config.Optimizer.Epochs, state.NextBatch, batches, double.NaN, 0, null,
                                $"the loss became NaN or infinite before step {state.Step}; stopped. The last good checkpoint is kept: {store.Latest() ?? "(none yet)"}. Try a lower learning rate or gradient clipping (--clip-grad).");
                            return Finish(state, stopReason, bestVal, throughputs, totalWait, totalTime);
                        }
                        var sums = running.cpu().data<float>().ToArray();
                        running.zero_();
                        double seconds = logWatch.Elapsed.TotalSeconds, wait = reader.WaitSeconds - logWait;
                        double pps = logPairs / Math.Max(seconds, 1e-9);
                        throughputs.Add(pps);
                        totalWait += wait;
                        totalTime += seconds;
                        double lossMean = sums[0] / logSteps;
                        var lr = state.Schedule.LearningRate;
                        var values = new Dictionary<string, object>
                        {
                            ["step"] = state.Step, ["epoch"] = state.Epoch, ["batch"] = state.NextBatch, ["loss"] = lossMean,
                            ["loss_image_to_text"] = sums[1] / logSteps, ["loss_text_to_image"] = sums[2] / logSteps, ["lr"] = lr,
                            ["pairs_per_s"] = pps, ["seconds_per_step"] = seconds / logSteps, ["data_wait_fraction"] = wait / Math.Max(seconds, 1e-9),
                        };
                        if (Distribution.Collectives.Size > 1)
                        {
                            values["ranks"] = Distribution.Collectives.Size;
                            values["communication_fraction"] = (Distribution.CommunicationSeconds - logCommunication) / Math.Max(seconds, 1e-9);
                        }
                        logCommunication = Distribution.CommunicationSeconds;
                        WriteMetrics(metrics, values);
                        events?.Scalar("train/loss", lossMean, state.Step);
                        events?.Scalar("train/lr", lr, state.Step);
                        events?.Scalar("train/pairs_per_s", pps, state.Step);
                        long stepsLeft = (long)(config.Optimizer.Epochs - state.Epoch) * batches - state.NextBatch;
                        Report("step", state.Epoch, config.Optimizer.Epochs, state.NextBatch, batches, lossMean, pps,
                            TimeSpan.FromSeconds(stepsLeft * seconds / logSteps));
                        logWatch.Restart();
                        logWait = reader.WaitSeconds;
                        logPairs = logSteps = 0;
                    }
                    if (epochEnd) break;
                    if (atCheckpoint || atLimit)
                    {
                        if (writer) store.Save(module, optimizer, state, config);
                        if (atLimit) return Finish(state, "step-limit", bestVal, throughputs, totalWait, totalTime);
                    }
                }
            }

            // end of epoch: validation, schedule, best model, checkpoint
            // rank 0 validates (its batch-norm statistics are the ones checkpointed); every rank follows its schedule
            double valLoss = validation is null ? double.NaN : Distribution.Agree(writer ? Validate(validation, state.Epoch) : 0);
            var schedule = validation is null ? state.Schedule : state.Schedule.Observe(valLoss);
            if (validation is not null)
            {
                events?.Scalar("val/loss", valLoss, state.Step);
                WriteMetrics(metrics, new Dictionary<string, object> { ["step"] = state.Step, ["epoch"] = state.Epoch, ["val_loss"] = valLoss, ["lr"] = schedule.LearningRate });
            }
            bool best = validation is not null ? schedule.LastWasBest : true;
            if (best && validation is not null) bestVal = valLoss;
            state = new TrainerState(state.Epoch + 1, 0, state.Step, schedule, schedule.ShouldStop || state.Epoch + 1 >= config.Optimizer.Epochs);
            OptimizerFactory.SetLearningRate(optimizer, schedule.LearningRate);
            if (writer)
            {
                if (best) store.SaveBest(module, state, config);
                store.Save(module, optimizer, state, config);
            }
            Report("epoch", state.Epoch - 1, config.Optimizer.Epochs, batches, batches, valLoss, 0, null,
                validation is null ? null : $"validation loss {valLoss:F4}{(best ? " (best)" : "")}, lr {schedule.LearningRate:G3}");
            if (schedule.ShouldStop) stopReason = "early-stopped";
            if (MaxSteps is { } max && state.Step >= max) return Finish(state with { Finished = true }, "step-limit", bestVal, throughputs, totalWait, totalTime);
        }
        return Finish(state, stopReason, bestVal, throughputs, totalWait, totalTime);
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
                sum += objective.Loss(batch, device).Total.ToDouble() * batch.Count;
                n += batch.Count;
            }
        }
        module.train();
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Seed of the global generator (dropout) at an optimiser step.</summary>
    public static long StepSeed(int seed, long step) => unchecked(seed * 1_000_003L + step * 7919L + 17);

    private TrainingResult Finish(TrainerState state, string reason, double bestVal, List<double> throughputs, double wait, double time)
    {
        throughputs.Sort();
        double median = throughputs.Count == 0 ? double.NaN : throughputs[throughputs.Count / 2];
        return new TrainingResult(state, reason, bestVal, median, time > 0 ? wait / time : 0);
    }

    private long currentStep;

    private void Report(string kind, int epoch, int epochs, int batch, int batches, double loss, double pps, TimeSpan? eta, string? message = null)
    {
        if (Distribution.IsWriter) Progress?.Report(new TrainingProgress(kind, epoch, epochs, batch, batches, currentStep, loss, pps, eta, message));
    }

    private static void WriteMetrics(StreamWriter? writer, Dictionary<string, object> values) =>
        writer?.WriteLine(JsonSerializer.Serialize(values.ToDictionary(kv => kv.Key, kv => kv.Value is double d && !double.IsFinite(d) ? (object)d.ToString(CultureInfo.InvariantCulture) : kv.Value)));
}
