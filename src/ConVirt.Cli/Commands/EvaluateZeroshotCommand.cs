using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate zeroshot`: classification from prompts alone (classes: softmax over classes; pairs: positive vs negative prompt per finding).</summary>
internal sealed class EvaluateZeroshotCommand(IAnsiConsole console) : Command<EvaluateZeroshotCommand.Settings>
{
    public sealed class Settings : EncoderSettings
    {
        [CommandOption("--data <MANIFEST>"), Description("Images with labels.")] public string? Data { get; init; }
        [CommandOption("--prompts <FILE>"), Description("JSON Lines {\"label\", \"text\"}; several rows per label are an ensemble. Pairs mode: labels FINDING:positive / FINDING:negative.")] public string? Prompts { get; init; }
        [CommandOption("--label <KEY>"), Description("classes: the label key (required); pairs: findings to evaluate, comma-separated (default: all in the prompts).")] public string? Label { get; init; }
        [CommandOption("--mode <M>"), Description("classes (default) or pairs.")] public string Mode { get; init; } = "classes";
        [CommandOption("--split <S>"), Description("Only rows of this split (default: all rows).")] public string? Split { get; init; }
        [CommandOption("--resamples <N>"), Description("Bootstrap resamples per interval (default 1000).")] public int Resamples { get; init; } = 1000;
        [CommandOption("--out <DIR>"), Description("Writes zeroshot.json and zeroshot.md.")] public string? Out { get; init; }
        [CommandOption("--per-class <N>"), Description("The paper's k x N set (CheXpert 8x200): N rows per class with exactly one positive among --classes, drawn with --seed; classes mode labels them 'class'.")] public int PerClass { get; init; }
        [CommandOption("--classes <LIST>"), Description("With --per-class: the observations, comma-separated (labels from convirt label).")] public string? Classes { get; init; }

        protected override ValidationResult ValidateCommand() =>
            string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Prompts) ? ValidationResult.Error("--prompts <FILE> is required")
            : Mode is not ("classes" or "pairs") ? ValidationResult.Error($"--mode '{Mode}' is not one of classes, pairs")
            : Mode == "classes" && string.IsNullOrWhiteSpace(Label) && PerClass <= 0 ? ValidationResult.Error("--label <KEY> is required in classes mode (or --per-class N --classes LIST)")
            : PerClass > 0 && string.IsNullOrWhiteSpace(Classes) ? ValidationResult.Error("--per-class needs --classes LIST")
            : Resamples < 1 ? ValidationResult.Error("--resamples must be at least 1")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        // pairs mode scores each finding on its own key; classes mode on the drawn row's class
        var (data, _, classLabel) = PerClassSets.Apply(console, s.Data!, s.Data!, s.Label, s.PerClass, s.Classes, s.Seed);
        string? label = s.Mode == "pairs" ? s.Label : classLabel;
        var result = EvaluationSeam.ZeroShot(new ZeroShotEvaluationOptions   // ConVirtEvaluation.ZeroShot without its checks: the job's name the options
        {
            Encoder = s.Encoder!, DataManifest = data, PromptsFile = s.Prompts!, Label = label, Mode = s.Mode == "pairs" ? ZeroShotEvaluationMode.Pairs : ZeroShotEvaluationMode.Classes,
            Split = s.Split, ImageRoot = s.ImageRoot, Resamples = s.Resamples, OutputFolder = s.Out, ImageSize = s.ImageSize, Device = s.ComputeDevice, DeviceName = s.Device, Precision = s.ComputePrecision, Backend = s.InferenceBackend,
        }, new ConsoleProgress(console), cancellationToken);
        console.WriteLine(result.Markdown);
        return 0;
    }
}
