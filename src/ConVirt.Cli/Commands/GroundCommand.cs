using ConVirt.Data.Prepared;
using System.ComponentModel;
using ConVirt.Data;
using ConVirt.Evaluation.Grounding;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt ground`: where in an image a phrase matches (a visualisation, not a validated localiser).</summary>
internal sealed class GroundCommand(IAnsiConsole console) : Command<GroundCommand.Settings>
{
    public sealed class Settings : EncoderSettings
    {
        [CommandOption("--image <FILE>"), Description("One image (PNG, JPEG, DICOM).")] public string? Image { get; init; }
        [CommandOption("--text <PHRASE>"), Description("One phrase, with --image.")] public string? Text { get; init; }
        [CommandOption("--data <MANIFEST>"), Description("Images of a manifest or prepared dataset instead of --image.")] public string? Data { get; init; }
        [CommandOption("--texts <FILE>"), Description("Phrases, with --data: JSON Lines {\"text\"} or one per line.")] public string? Texts { get; init; }
        [CommandOption("--split <S>"), Description("With --data: only rows of this split.")] public string? Split { get; init; }
        [CommandOption("--max-images <N>"), Description("With --data: the first N rows (default 16).")] public int MaxImages { get; init; } = 16;
        [CommandOption("--out <PATH>"), Description("PNG (one image and phrase) or a folder (ID__K.png and .csv per image and phrase).")] public string? Out { get; init; }

        protected override ValidationResult ValidateCommand() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <PATH> is required")
            : (Image is null) == (Data is null) ? ValidationResult.Error("give either --image FILE --text PHRASE or --data MANIFEST --texts FILE")
            : Image is not null && string.IsNullOrWhiteSpace(Text) ? ValidationResult.Error("--text <PHRASE> is required with --image")
            : Data is not null && string.IsNullOrWhiteSpace(Texts) ? ValidationResult.Error("--texts <FILE> is required with --data")
            : MaxImages < 1 ? ValidationResult.Error("--max-images must be at least 1")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        IReadOnlyList<GroundingOutput> outputs;
        if (s.Image is not null)
            outputs = GroundingJob.Run(s.Encoder!, [s.Image], [s.Text!], s.Out!, s.ImageSize, s.Device, precision: s.PrecisionMode);
        else
        {
            var rows = DataSets.Load(s.Data!, new ManifestOptions(Split: s.Split) { ImageRoot = s.ImageRoot }).Rows.Take(s.MaxImages).ToList();
            outputs = GroundingJob.Run(s.Encoder!, rows, GroundingJob.ReadTexts(s.Texts!), s.Out!, s.ImageSize, s.Device, s.PrecisionMode);
        }
        foreach (var o in outputs)
            console.WriteLine($"{o.Png} ({o.Rows}x{o.Columns} map, peak at row {o.Peak.Row}, column {o.Peak.Column}; raw map {Path.GetFileName(o.Csv)})");
        return 0;
    }
}
