using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Interop;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt export`: encoders as PyTorch / HuggingFace files.</summary>
public sealed class ExportCommand(IAnsiConsole console) : Command<ExportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--encoder <E>"), Description("Run folder, checkpoint, or imagenet / random.")]
        public string? Encoder { get; init; }
        [CommandOption("--out <PATH>"), Description("image: FILE.safetensors or FILE.pt; text: a folder (HuggingFace BertModel layout).")]
        public string? Out { get; init; }
        [CommandOption("--part <P>"), Description("image (default) or text.")]
        public string Part { get; init; } = "image";
        [CommandOption("--rgb"), Description("Write conv1 as [64, 3, 7, 7] (weights / 3) so an unmodified torchvision ResNet loads it.")]
        public bool Rgb { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Encoder) ? ValidationResult.Error("--encoder is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required")
            : Part is not ("image" or "text") ? ValidationResult.Error($"--part must be image or text, got '{Part}'")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var loaded = EncoderLoader.Load(s.Encoder!);
        if (s.Part == "image")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(s.Out!))!);
            WeightExport.SaveImageEncoder(loaded.Image, s.Out!, s.Rgb);
            console.WriteLine($"image encoder ({loaded.Image.Spec.Block}, layers {string.Join("-", loaded.Image.Spec.Layers)}) -> {s.Out}");
            if (loaded.Model is not null)
            {
                var head = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(s.Out!))!, Path.GetFileNameWithoutExtension(s.Out!) + ".image_projection.safetensors");
                WeightExport.SaveProjection(loaded.Model.ImageProjection, head);
                console.WriteLine($"projection g_v (keys 0.weight, 0.bias, 2.weight, 2.bias) -> {head}");
            }
            return 0;
        }
        if (loaded.Model is null) throw new InvalidOperationException($"encoder '{s.Encoder}' has no text tower (only ConVIRT runs do)");
        using var vocab = EncoderLoader.OpenVocabulary(loaded.Config.Model.Text);
        WeightExport.SaveTextEncoder(loaded.Model.TextEncoder, vocab, s.Out!, loaded.Config.Model.Text.LowerCase);
        WeightExport.SaveProjection(loaded.Model.TextProjection, Path.Combine(s.Out!, "text_projection.safetensors"));
        console.WriteLine($"text encoder (HuggingFace BertModel: config.json, vocab.txt, model.safetensors) + text_projection.safetensors -> {s.Out}");
        return 0;
    }
}
