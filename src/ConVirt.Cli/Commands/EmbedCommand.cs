using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt embed`: image (h_v or v) or text (u) embeddings of a manifest, with row ids.</summary>
internal sealed class EmbedCommand(IAnsiConsole console) : Command<EmbedCommand.Settings>
{
    public sealed class Settings : EncoderSettings
    {
        [CommandOption("--data <MANIFEST>"), Description("Manifest or prepared dataset folder to embed.")] public string? Data { get; init; }
        [CommandOption("--out <FILE>"), Description(".safetensors (tensor 'embeddings', metadata 'ids') or .csv (id,f0,...).")] public string? Out { get; init; }
        [CommandOption("--modality <M>"), Description("image (default) or text.")] public string Modality { get; init; } = "image";
        [CommandOption("--projected"), Description("Images: v = g_v(h_v) instead of h_v (ConVIRT runs).")] public bool Projected { get; init; }
        [CommandOption("--split <S>"), Description("Only rows of this split.")] public string? Split { get; init; }

        protected override ValidationResult ValidateCommand() =>
            string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <FILE> is required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var (rows, dimension, skipped) = EmbedJob.Run(new EmbedOptions(s.Encoder!, s.Data!, s.Out!, s.Modality, s.Projected, s.Split, s.ImageSize, s.Seed, s.Device, s.PrecisionMode) { ImageRoot = s.ImageRoot, Backend = s.TowerBackend },
            new ConsoleProgress(console));
        console.WriteLine($"wrote {rows} x {dimension} embeddings to {s.Out} ({skipped} rows skipped)");
        return 0;
    }
}
