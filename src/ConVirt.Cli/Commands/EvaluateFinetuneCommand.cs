using System.ComponentModel;
using ConVirt.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate finetune`: the whole image encoder + a linear head trained at several label fractions.</summary>
internal sealed class EvaluateFinetuneCommand(IAnsiConsole console) : Command<EvaluateFinetuneCommand.Settings>
{
    public sealed class Settings : EvaluateLinearCommand.Settings
    {
        [CommandOption("--lr <LR>"), Description("Adam learning rate (default 1e-4).")] public double LearningRate { get; init; } = 1e-4;
        [CommandOption("--batch-size <N>"), Description("Default 32.")] public int BatchSize { get; init; } = 32;
        [CommandOption("--max-epochs <N>"), Description("Default 10.")] public int MaxEpochs { get; init; } = 10;
        [CommandOption("--patience <N>"), Description("Early stopping: epochs without a lower validation loss (default 3).")] public int Patience { get; init; } = 3;
        [CommandOption("--val-split <S>"), Description("Early-stopping split of --train (default val); without one, 10% of the training rows are held out.")]
        public string ValSplit { get; init; } = "val";
        [CommandOption("--no-augmentation"), Description("Train on the deterministic view.")] public bool NoAugmentation { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = s.ToOptions() with
        {
            LearningRate = s.LearningRate, BatchSize = s.BatchSize, MaxEpochs = s.MaxEpochs, Patience = s.Patience, ValSplit = s.ValSplit, Augment = !s.NoAugmentation,
        };
        var result = FineTuneJob.Run(options, new ConsoleProgress(console), cancellationToken);
        console.WriteLine(result.ToMarkdown());
        if (s.Out is not null) console.WriteLine($"results: {Path.GetFullPath(s.Out)}");
        return 0;
    }
}
