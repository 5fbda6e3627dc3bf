using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt embed`: image (h_v or v) or text (u) embeddings of a manifest, with row ids.</summary>
internal sealed class EmbedCommand(IAnsiConsole console) : Command<EmbedCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--encoder <E>"), Description("Run folder, checkpoint, random or imagenet.")] public string? Encoder { get; init; }
        [CommandOption("--data <MANIFEST>"), Description("Manifest or prepared dataset folder to embed.")] public string? Data { get; init; }
        [CommandOption("--out <FILE>"), Description(".safetensors (tensor 'embeddings', metadata 'ids') or .csv (id,f0,...).")] public string? Out { get; init; }
        [CommandOption("--modality <M>"), Description("image (default) or text.")] public string Modality { get; init; } = "image";
        [CommandOption("--projected"), Description("Images: v = g_v(h_v) instead of h_v (ConVIRT runs).")] public bool Projected { get; init; }
        [CommandOption("--split <S>"), Description("Only rows of this split.")] public string? Split { get; init; }
        [CommandOption("--image-root <FOLDER>"), Description("Folder that relative image paths resolve against (default: the manifest's folder).")] public string? ImageRoot { get; init; }
        [CommandOption("--image-size <PX>")] public int ImageSize { get; init; } = 224;
        [CommandOption("--seed <N>"), Description("Seed of the random encoder.")] public int Seed { get; init; }
        [CommandOption("--device <D>")] public string Device { get; init; } = "cpu";
        [CommandOption("--precision <P>"), Description("fp32 (default), bf16 or auto (bf16 where the hardware computes it natively; convirt info says what auto picks).")] public string Precision { get; init; } = "fp32";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Encoder) ? ValidationResult.Error("--encoder <E> is required")
            : string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <FILE> is required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var (rows, dimension, skipped) = EmbedJob.Run(new EmbedOptions(s.Encoder!, s.Data!, s.Out!, s.Modality, s.Projected, s.Split, s.ImageSize, s.Seed, s.Device, PrecisionPolicy.ParseMode(s.Precision)) { ImageRoot = s.ImageRoot },
            new ConsoleProgress(console));
        console.WriteLine($"wrote {rows} x {dimension} embeddings to {s.Out} ({skipped} rows skipped)");
        return 0;
    }
}
