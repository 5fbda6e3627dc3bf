using ConVirt.Data.Images;
using ConVirt.Data.Dicom;
using System.ComponentModel;
using ConVirt.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt preview`: the model's view of one image as a PNG, with the decoding facts (never patient data).</summary>
internal sealed class PreviewCommand(IAnsiConsole console) : Command<PreviewCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--image <FILE>"), Description("Any supported image: DICOM, PNG (8/16-bit), JPEG, ...")]
        public string? Image { get; init; }
        [CommandOption("--image-size <PX>"), Description("Side of the model input (evaluation transform: short side, centre crop).")]
        public int ImageSize { get; init; } = 224;
        [CommandOption("--window <W>"), Description("DICOM window: first (default: first window, else VOI LUT, else min..max), minmax, or index:N.")]
        public string Window { get; init; } = "first";
        [CommandOption("--frame <N>"), Description("DICOM frame of a multi-frame file (0-based).")]
        public int Frame { get; init; }
        [CommandOption("--out <PNG>"), Description("The PNG to write.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Image)) return ValidationResult.Error("--image is required");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required");
            if (ImageSize is < 1 or > 8192) return ValidationResult.Error($"--image-size must be in [1, 8192], got {ImageSize}");
            if (Frame < 0) return ValidationResult.Error($"--frame must be at least 0, got {Frame}");
            try { DicomWindowChoice.Parse(Window); }
            catch (FormatException e) { return ValidationResult.Error("--" + e.Message); }
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var options = new ImageDecodeOptions { DicomWindow = DicomWindowChoice.Parse(s.Window), DicomFrame = s.Frame };
        var preview = ImagePreview.Create(s.Image!, s.ImageSize, options);
        preview.SavePng(s.Out!);
        foreach (var line in preview.Facts) console.WriteLine(line);
        console.WriteLine($"wrote {s.Out}");
        return 0;
    }
}
