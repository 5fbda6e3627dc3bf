using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt tsne`: t-SNE map of h_v coloured by a label (PNG, CSV of coordinates, JSON summary).</summary>
internal sealed class TsneCommand(IAnsiConsole console) : Command<TsneCommand.Settings>
{
    public sealed class Settings : EncoderSettings
    {
        [CommandOption("--data <MANIFEST>"), Description("Manifest or prepared dataset folder.")] public string? Data { get; init; }
        [CommandOption("--label <KEY>"), Description("Colours the points.")] public string? Label { get; init; }
        [CommandOption("--out <PNG>"), Description("Plot; coordinates go to the same name with .csv, a summary to .json.")] public string? Out { get; init; }
        [CommandOption("--features <CSV>"), Description("Instead of --encoder/--data/--label: embed these comma-separated feature rows and write x,y lines to --out (.csv); for bench/tsne/compare_sklearn.py.")]
        public string? Features { get; init; }
        [CommandOption("--split <S>")] public string? Split { get; init; }
        [CommandOption("--perplexity <P>")] public double Perplexity { get; init; } = 30;
        [CommandOption("--iterations <N>")] public int Iterations { get; init; } = 1000;
        [CommandOption("--max-points <N>")] public int MaxPoints { get; init; } = 2000;

        protected override bool EncoderRequired => Features is null;

        protected override ValidationResult ValidateCommand() =>
            Features is not null ? (string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <CSV> is required") : ValidationResult.Success())
            : string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Label) ? ValidationResult.Error("--label <KEY> is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <PNG> is required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        if (s.Features is not null)
        {
            var map = TsneComparison.Run(s.Features, s.Out!, new TsneOptions(Perplexity: s.Perplexity, Iterations: s.Iterations, Seed: s.Seed));
            console.WriteLine($"{map.Embedding.GetLength(0)} points: KL {map.KlDivergence:0.0000}; wrote {s.Out}");
            return 0;
        }
        var r = TsneJob.Run(new TsneJobOptions(s.Encoder!, s.Data!, s.Label!, s.Out!, s.Perplexity, s.Iterations, s.Seed, s.MaxPoints, s.Split, s.ImageSize, s.Device, s.PrecisionMode) { ImageRoot = s.ImageRoot, Backend = s.TowerBackend },
            new ConsoleProgress(console));
        console.WriteLine($"{r.Points} points: KL {r.KlDivergence:0.000}, trustworthiness@10 {r.Trustworthiness:0.000}; wrote {s.Out} and {Path.ChangeExtension(s.Out!, ".csv")}");
        return 0;
    }
}
