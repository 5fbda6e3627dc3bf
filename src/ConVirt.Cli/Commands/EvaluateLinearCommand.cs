using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate linear`: logistic-regression probe on frozen h_v at several label fractions.</summary>
internal sealed class EvaluateLinearCommand(IAnsiConsole console) : Command<EvaluateLinearCommand.Settings>
{
    public class Settings : EncoderSettings
    {
        [CommandOption("--train <MANIFEST>"), Description("Training manifest or prepared dataset folder (its --train-split rows when rows carry splits).")] public string? Train { get; init; }
        [CommandOption("--test <MANIFEST>"), Description("Test manifest or prepared dataset folder (its --test-split rows when rows carry splits).")] public string? Test { get; init; }
        [CommandOption("--label <KEY>"), Description("Label key, or several comma-separated 0/1 keys (multi-label).")] public string? Label { get; init; }
        [CommandOption("--ignore-values <V>"), Description("Label values treated as missing, separated by | (e.g. todo).")] public string? IgnoreValues { get; init; }
        [CommandOption("--positive <V>"), Description("Make the label binary: these values (separated by |) are 1, all others 0.")] public string? Positive { get; init; }
        [CommandOption("--train-split <S>")] public string TrainSplit { get; init; } = "train";
        [CommandOption("--test-split <S>"), Description("Default test; pneumonia has train/val only: pass val.")] public string TestSplit { get; init; } = "test";
        [CommandOption("--fractions <F>"), Description("Label fractions, default 0.01,0.1,1.")] public string Fractions { get; init; } = "0.01,0.1,1";
        [CommandOption("--runs <N>"), Description("Runs per fraction (default 5).")] public int Runs { get; init; } = 5;
        [CommandOption("--out <DIR>"), Description("Writes JSON + markdown results (and cached features).")] public string? Out { get; init; }

        protected override ValidationResult ValidateCommand() =>
            string.IsNullOrWhiteSpace(Train) ? ValidationResult.Error("--train <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Test) ? ValidationResult.Error("--test <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Label) ? ValidationResult.Error("--label <KEY> is required")
            : ValidationResult.Success();

        /// <summary>The public API's options (the command's checks stay the job's, with option names).</summary>
        internal LinearProbeOptions ToProbeOptions() => new()
        {
            Encoder = Encoder!, TrainManifest = Train!, TestManifest = Test!, Label = Label!, TrainSplit = TrainSplit, TestSplit = TestSplit, ImageRoot = ImageRoot,
            Fractions = OptionLists.Doubles(Fractions, "--fractions"), Runs = Runs, OutputFolder = Out, ImageSize = ImageSize, Seed = Seed,
            Device = ComputeDevice, DeviceName = Device, Precision = ComputePrecision, Backend = InferenceBackend,
            IgnoreValues = IgnoreValues is null ? null : OptionLists.Values(IgnoreValues), PositiveValues = Positive is null ? null : OptionLists.Values(Positive),
        };

        /// <summary>The library options (evaluate finetune).</summary>
        public LabelEfficiencyOptions ToOptions() => new()
        {
            Encoder = Encoder!, Train = Train!, Test = Test!, Label = Label!, TrainSplit = TrainSplit, TestSplit = TestSplit, ImageRoot = ImageRoot,
            Fractions = OptionLists.Doubles(Fractions, "--fractions"), Runs = Runs, Out = Out, ImageSize = ImageSize, Seed = Seed, Device = Device, Precision = PrecisionPolicy.ParseMode(Precision), Backend = TowerBackend,
            LabelValues = IgnoreValues is null && Positive is null ? null : LabelValueFilter.Parse(IgnoreValues, Positive),
        };
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var result = EvaluationSeam.LinearProbe(s.ToProbeOptions(), new ConsoleProgress(console), cancellationToken);   // ConVirtEvaluation.LinearProbe without its checks
        console.WriteLine(result.Markdown);
        if (s.Out is not null) console.WriteLine($"results: {Path.GetFullPath(s.Out)}");
        return 0;
    }
}
