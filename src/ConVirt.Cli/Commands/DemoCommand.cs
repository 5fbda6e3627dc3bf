using ConVirt.Demo;
using System.ComponentModel;
using ConVirt.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt demo`: synthetic paired data -> pretrain -> text-to-image retrieval before and after.</summary>
internal sealed class DemoCommand(IAnsiConsole console) : Command<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>"), Description("Folder for the generated data and the run (default: convirt-demo).")]
        public string Out { get; init; } = "convirt-demo";
        [CommandOption("--cases <N>"), Description("Synthetic pairs to generate.")]
        public int Cases { get; init; } = new DemoOptions().Cases;
        [CommandOption("--epochs <N>")]
        public int Epochs { get; init; } = new DemoOptions().Epochs;
        [CommandOption("--image-size <PX>")]
        public int ImageSize { get; init; } = new DemoOptions().ImageSize;
        [CommandOption("--batch-size <N>")]
        public int BatchSize { get; init; } = new DemoOptions().BatchSize;
        [CommandOption("--lr <LR>")]
        public double LearningRate { get; init; } = new DemoOptions().LearningRate;
        [CommandOption("--image-weights <W>"), Description("imagenet | none | FILE")]
        public string ImageWeights { get; init; } = new DemoOptions().ImageWeights;
        [CommandOption("--text-weights <W>"), Description("minilm | arctic-xs | none | FOLDER")]
        public string TextWeights { get; init; } = new DemoOptions().TextWeights;
        [CommandOption("--seed <N>")]
        public int Seed { get; init; } = new DemoOptions().Seed;
        [CommandOption("--precision <P>"), Description(EncoderSettings.PrecisionHelp)]
        public string Precision { get; init; } = "fp32";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new DemoOptions
        {
            OutputDirectory = s.Out, Cases = s.Cases, Epochs = s.Epochs, ImageSize = s.ImageSize, BatchSize = s.BatchSize,
            LearningRate = s.LearningRate, ImageWeights = s.ImageWeights, TextWeights = s.TextWeights, Seed = s.Seed, Precision = ConVirt.Precision.PrecisionPolicy.ParseMode(s.Precision),
        };
        var result = TrainingDisplay.Run(console, progress => DemoJob.Run(options, progress, cancellationToken));
        var table = new Table().Title("text-to-image retrieval on the synthetic test split").AddColumns("", "before", "after");
        for (int i = 0; i < result.Ks.Length; i++)
            table.AddRow($"precision@{result.Ks[i]}", result.TextToImageBefore[i].ToString("F3"), result.TextToImageAfter[i].ToString("F3"));
        table.AddRow("chance", result.ChanceLevel.ToString("F3"), result.ChanceLevel.ToString("F3"));
        console.Write(table);
        var zeroShot = new Table().Title("zero-shot classification of the test split (class descriptions as prompts)").AddColumns("", "before", "after");
        zeroShot.AddRow("accuracy", result.ZeroShotBefore.ToString("F3"), result.ZeroShotAfter.ToString("F3"));
        zeroShot.AddRow("chance (1 / classes)", result.ZeroShotChance.ToString("F3"), result.ZeroShotChance.ToString("F3"));
        console.Write(zeroShot);
        if (result.GroundingMaps.Count > 0)
            console.WriteLine($"grounding maps (where each test image matches its class description): {Path.GetFullPath(Path.GetDirectoryName(result.GroundingMaps[0])!)} ({result.GroundingMaps.Count} PNG + CSV)");
        console.WriteLine($"training: {result.Training.StopReason.ToText()} after {result.Training.State.Step} steps, {result.Training.PairsPerSecond:F1} pairs/s, data wait {result.Training.DataWaitFraction:P1}");
        console.WriteLine($"run folder: {Path.GetFullPath(result.RunDirectory)} (best model in best/, metrics in metrics.jsonl)");
        return 0;
    }
}
