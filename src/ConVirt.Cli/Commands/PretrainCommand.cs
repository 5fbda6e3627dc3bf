using System.ComponentModel;
using ConVirt.Configuration;
using ConVirt.Distributed;
using ConVirt.Training;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt pretrain`: ConVIRT (or SimCLR / MoCo v2) on a user's manifests.</summary>
internal sealed class PretrainCommand(IAnsiConsole console) : Command<PretrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--train <MANIFEST>"), Description("Training manifest (JSON Lines or CSV); several separated by commas are concatenated. Or a prepared dataset folder (convirt prepare), streamed. Rows with split=train are used when rows carry a split.")]
        public string? Train { get; init; }
        [CommandOption("--val <MANIFEST>"), Description("Validation manifest or prepared dataset; default: the split=val rows of --train.")]
        public string? Val { get; init; }
        [CommandOption("--out <RUN>"), Description("Run folder (config.json, checkpoints/, best/, metrics.jsonl, tensorboard/).")]
        public string? Out { get; init; }
        [CommandOption("--config <FILE|NAME>"), Description("JSON configuration file or a named one: cpu-small (default), paper.")]
        public string Config { get; init; } = "cpu-small";
        [CommandOption("--paired-only"), Description("SimCLR/MoCo v2: use only rows with text (the images a ConVIRT run sees).")]
        public bool PairedOnly { get; init; }
        [CommandOption("--image-root <FOLDER>"), Description("Folder that relative image paths resolve against (default: each manifest's folder). Absolute paths are used as they are.")]
        public string? ImageRoot { get; init; }
        [CommandOption("--resume"), Description("Continue from the run folder's latest checkpoint.")]
        public bool Resume { get; init; }
        [CommandOption("--method <M>"), Description("convirt (default), simclr or mocov2.")]
        public string? Method { get; init; }
        [CommandOption("--image-encoder <ARCH>"), Description("resnet18, resnet50.")]
        public string? ImageEncoder { get; init; }
        [CommandOption("--image-weights <W>"), Description("imagenet | none | FILE (.pth/.safetensors).")]
        public string? ImageWeights { get; init; }
        [CommandOption("--text-weights <W>"), Description("minilm | arctic-xs | none | FOLDER (HuggingFace BERT).")]
        public string? TextWeights { get; init; }
        [CommandOption("--vocab <V>"), Description("Vocabulary for a random text encoder: minilm, arctic-xs or a vocab.txt.")]
        public string? Vocab { get; init; }
        [CommandOption("--image-size <PX>")] public int? ImageSize { get; init; }
        [CommandOption("--batch-size <N>")] public int? BatchSize { get; init; }
        [CommandOption("--micro-batch <N>"), Description("Gradient caching: forward in chunks of N pairs.")] public int? MicroBatch { get; init; }
        [CommandOption("--epochs <N>")] public int? Epochs { get; init; }
        [CommandOption("--lr <LR>")] public double? LearningRate { get; init; }
        [CommandOption("--weight-decay <WD>")] public double? WeightDecay { get; init; }
        [CommandOption("--temperature <T>"), Description("τ (ConVIRT 0.1, SimCLR 0.1, MoCo v2 0.2).")] public double? Temperature { get; init; }
        [CommandOption("--lambda <L>"), Description("λ, weight of the image-to-text direction.")] public double? Lambda { get; init; }
        [CommandOption("--frozen-layers <K>"), Description("Freeze the first K text layers.")] public int? FrozenLayers { get; init; }
        [CommandOption("--train-embeddings"), Description("Do not freeze the text embeddings.")] public bool TrainEmbeddings { get; init; }
        [CommandOption("--max-length <N>"), Description("Longest tokenised sentence.")] public int? MaxLength { get; init; }
        [CommandOption("--plateau-patience <N>")] public int? PlateauPatience { get; init; }
        [CommandOption("--early-stopping <N>")] public int? EarlyStopping { get; init; }
        [CommandOption("--clip-grad <NORM>")] public double? ClipGrad { get; init; }
        [CommandOption("--queue-size <N>"), Description("MoCo v2 queue length.")] public int? QueueSize { get; init; }
        [CommandOption("--momentum <M>"), Description("MoCo v2 key-encoder momentum.")] public double? Momentum { get; init; }
        [CommandOption("--seed <N>")] public int? Seed { get; init; }
        [CommandOption("--threads <N>")] public int? Threads { get; init; }
        [CommandOption("--workers <N>"), Description("Background data threads.")] public int? Workers { get; init; }
        [CommandOption("--shuffle-buffer <N>"), Description("Prepared datasets: rows held by the streaming shuffle buffer (default 1000).")] public int? ShuffleBuffer { get; init; }
        [CommandOption("--device <D>"), Description("cpu or cuda.")] public string? Device { get; init; }
        [CommandOption("--precision <P>"), Description("fp32 (default), bf16 (mixed precision, float32 master weights) or auto (bf16 where the hardware computes it natively).")] public string? Precision { get; init; }
        [CommandOption("--max-steps <N>"), Description("Stop after N optimiser steps in total.")] public long? MaxSteps { get; init; }
        [CommandOption("--log-every <N>")] public int? LogEvery { get; init; }
        [CommandOption("--checkpoint-every <N>")] public int? CheckpointEvery { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Train)) return ValidationResult.Error("--train <MANIFEST> is required");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out <RUN> is required");
            return ValidationResult.Success();
        }
    }

    /// <summary>The configuration after applying the options to the base configuration.</summary>
    public static ConVirtConfig Resolve(Settings s)
    {
        var c = ConVirtConfig.Load(s.Config);
        // a method chosen here brings its own defaults (MoCo v2: τ = 0.2); explicit options below override them
        if (s.Method is not null) c = PretrainingMethods.Get(s.Method).WithDefaults(c with { Method = PretrainingMethods.Get(s.Method).Name });
        var m = c.Model;
        var text = m.Text with
        {
            Weights = s.TextWeights ?? m.Text.Weights,
            Vocab = s.Vocab ?? m.Text.Vocab,
            FrozenLayers = s.FrozenLayers ?? m.Text.FrozenLayers,
            FreezeEmbeddings = !s.TrainEmbeddings && m.Text.FreezeEmbeddings,
            MaxLength = s.MaxLength ?? m.Text.MaxLength,
        };
        var image = m.Image with { Architecture = s.ImageEncoder ?? m.Image.Architecture, Weights = s.ImageWeights ?? m.Image.Weights };
        double temperature = s.Temperature ?? c.Loss.Temperature;
        return c with
        {
            Model = m with { Image = image, Text = text },
            Loss = c.Loss with { Temperature = temperature, Lambda = s.Lambda ?? c.Loss.Lambda, QueueSize = s.QueueSize ?? c.Loss.QueueSize, Momentum = s.Momentum ?? c.Loss.Momentum },
            Optimizer = c.Optimizer with
            {
                BatchSize = s.BatchSize ?? c.Optimizer.BatchSize, MicroBatch = s.MicroBatch ?? c.Optimizer.MicroBatch, Epochs = s.Epochs ?? c.Optimizer.Epochs,
                LearningRate = s.LearningRate ?? c.Optimizer.LearningRate, WeightDecay = s.WeightDecay ?? c.Optimizer.WeightDecay,
                PlateauPatience = s.PlateauPatience ?? c.Optimizer.PlateauPatience, EarlyStoppingPatience = s.EarlyStopping ?? c.Optimizer.EarlyStoppingPatience,
                GradientClipNorm = s.ClipGrad ?? c.Optimizer.GradientClipNorm,
            },
            Data = c.Data with { ImageSize = s.ImageSize ?? c.Data.ImageSize, Workers = s.Workers ?? c.Data.Workers, ShuffleBuffer = s.ShuffleBuffer ?? c.Data.ShuffleBuffer },
            Seed = s.Seed ?? c.Seed,
            Threads = s.Threads ?? c.Threads,
            Device = s.Device ?? c.Device,
            Precision = s.Precision is null ? c.Precision : PrecisionPolicy.ParseMode(s.Precision),
            LogEverySteps = s.LogEvery ?? c.LogEverySteps,
            CheckpointEverySteps = s.CheckpointEvery ?? c.CheckpointEverySteps,
        };
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var config = Resolve(s);
        if (s.Resume && File.Exists(Path.Combine(s.Out!, "config.json")) && s.Config == "cpu-small")
            config = ConVirtConfig.FromJson(File.ReadAllText(Path.Combine(s.Out!, "config.json")), Path.Combine(s.Out!, "config.json"));
        if (s.Resume && s.Precision is not null) config = config with { Precision = PrecisionPolicy.ParseMode(s.Precision) };   // a resumed run may change precision: weights are float32 either way
        config.Validate();
        var inputs = new PretrainingInputs(s.Train!, s.Val, PairedOnly: s.PairedOnly, ImageRoot: s.ImageRoot);
        using var world = MpiLaunch.Collectives();   // Open MPI when started by mpirun; nothing is loaded otherwise
        TrainingResult result;
        try
        {
            if (world.Rank != 0)   // other ranks train silently; rank 0 reports and writes
                return ExitCode(PretrainingJob.Run(config, inputs, s.Out!, s.Resume, null, s.MaxSteps, cancellationToken, world));
            result = TrainingDisplay.Run(console, progress => PretrainingJob.Run(config, inputs, s.Out!, s.Resume, progress, s.MaxSteps, cancellationToken, world));
        }
        catch (Exception e) when (world.Size > 1)
        {
            // the other ranks wait inside a collective: end the job rather than leave them waiting
            Console.Error.WriteLine($"convirt pretrain, rank {world.Rank} of {world.Size}: {ConVirtApp.Describe(e)}");
            world.Abort(1);
            throw;
        }
        console.WriteLine($"{result.StopReason.ToText()}: {result.State.Step} steps, {result.State.Epoch} epochs, best validation loss {(double.IsFinite(result.BestValidationLoss) ? result.BestValidationLoss.ToString("F4") : "none yet")}, " +
                          $"{result.PairsPerSecond:F1} pairs/s (median), data wait {result.DataWaitFraction:P1}");
        console.WriteLine($"run folder: {Path.GetFullPath(s.Out!)}");
        return ExitCode(result);
    }

    private static int ExitCode(TrainingResult result) => result.StopReason == StopReason.NonFiniteLoss ? 3 : 0;
}
