using System.ComponentModel;
using ConVirt.Evaluation.ZeroShot;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate zeroshot`: classification from prompts alone (classes: softmax over classes; pairs: positive vs negative prompt per finding).</summary>
internal sealed class EvaluateZeroshotCommand(IAnsiConsole console) : Command<EvaluateZeroshotCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--encoder <E>"), Description("A ConVIRT run folder or checkpoint (zero-shot needs a text tower).")] public string? Encoder { get; init; }
        [CommandOption("--data <MANIFEST>"), Description("Images with labels.")] public string? Data { get; init; }
        [CommandOption("--prompts <FILE>"), Description("JSON Lines {\"label\", \"text\"}; several rows per label are an ensemble. Pairs mode: labels FINDING:positive / FINDING:negative.")] public string? Prompts { get; init; }
        [CommandOption("--label <KEY>"), Description("classes: the label key (required); pairs: findings to evaluate, comma-separated (default: all in the prompts).")] public string? Label { get; init; }
        [CommandOption("--mode <M>"), Description("classes (default) or pairs.")] public string Mode { get; init; } = "classes";
        [CommandOption("--split <S>"), Description("Only rows of this split (default: all rows).")] public string? Split { get; init; }
        [CommandOption("--resamples <N>"), Description("Bootstrap resamples per interval (default 1000).")] public int Resamples { get; init; } = 1000;
        [CommandOption("--out <DIR>"), Description("Writes zeroshot.json and zeroshot.md.")] public string? Out { get; init; }
        [CommandOption("--image-size <PX>")] public int ImageSize { get; init; } = 224;
        [CommandOption("--device <D>")] public string Device { get; init; } = "cpu";
        [CommandOption("--precision <P>"), Description("fp32 (default), bf16 or auto (bf16 where the hardware computes it natively).")] public string Precision { get; init; } = "fp32";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Encoder) ? ValidationResult.Error("--encoder <E> is required")
            : string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Prompts) ? ValidationResult.Error("--prompts <FILE> is required")
            : Mode is not ("classes" or "pairs") ? ValidationResult.Error($"--mode '{Mode}' is not one of classes, pairs")
            : Mode == "classes" && string.IsNullOrWhiteSpace(Label) ? ValidationResult.Error("--label <KEY> is required in classes mode")
            : Resamples < 1 ? ValidationResult.Error("--resamples must be at least 1")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = ZeroShotJob.Run(new ZeroShotOptions
        {
            Encoder = s.Encoder!, Data = s.Data!, Prompts = s.Prompts!, Label = s.Label, Mode = s.Mode == "pairs" ? ZeroShotMode.Pairs : ZeroShotMode.Classes,
            Split = s.Split, Resamples = s.Resamples, Out = s.Out, ImageSize = s.ImageSize, Device = s.Device, Precision = ConVirt.Precision.PrecisionPolicy.ParseMode(s.Precision),
        }, new ConsoleProgress(console));
        console.WriteLine(result.ToMarkdown());
        return 0;
    }
}
