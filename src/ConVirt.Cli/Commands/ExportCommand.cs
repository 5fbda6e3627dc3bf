using ConVirt.Training;
using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Export;
using ConVirt.Interop;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt export`: encoders as PyTorch / HuggingFace files, or as an ONNX deployment folder.</summary>
internal sealed class ExportCommand(IAnsiConsole console) : Command<ExportCommand.Settings>
{
    /// <summary>Values of --format.</summary>
    public static readonly string[] Formats = ["safetensors", "pt", "hf", "onnx"];

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--encoder <E>"), Description("Run folder, checkpoint, or imagenet / random.")]
        public string? Encoder { get; init; }
        [CommandOption("--out <PATH>"), Description("image: FILE.safetensors or FILE.pt; text: a folder (HuggingFace BertModel layout); --format onnx: a folder.")]
        public string? Out { get; init; }
        [CommandOption("--format <F>"), Description("safetensors, pt, hf (text folder) or onnx (image_encoder.onnx, text_encoder.onnx, vocab.txt, model-card.json); default: from --out and --part.")]
        public string? Format { get; init; }
        [CommandOption("--part <P>"), Description("image or text; default image, or with --format onnx both towers the encoder has.")]
        public string? Part { get; init; }
        [CommandOption("--rgb"), Description("Write conv1 as [64, 3, 7, 7] (weights / 3) so an unmodified torchvision ResNet (or the ONNX graph) takes RGB.")]
        public bool Rgb { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Encoder)) return ValidationResult.Error("--encoder is required");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required");
            if (Part is not (null or "image" or "text")) return ValidationResult.Error($"--part must be image or text, got '{Part}'");
            if (Format is null || Format == "onnx") return ValidationResult.Success();
            if (!Formats.Contains(Format)) return ValidationResult.Error($"--format must be one of {string.Join(", ", Formats)}, got '{Format}'");
            string extension = Path.GetExtension(Out!).ToLowerInvariant();
            return Format switch
            {
                "hf" when Part != "text" => ValidationResult.Error("--format hf is the text tower's HuggingFace folder: add --part text"),
                "safetensors" or "pt" when Part == "text" => ValidationResult.Error($"--format {Format} writes the image encoder; the text tower is written as --format hf (a folder)"),
                "safetensors" when extension != ".safetensors" => ValidationResult.Error($"--format safetensors needs --out FILE.safetensors, got '{Out}'"),
                "pt" when extension is not (".pt" or ".pth" or ".bin") => ValidationResult.Error($"--format pt needs --out FILE.pt (.pth, .bin), got '{Out}'"),
                _ => ValidationResult.Success(),
            };
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var loaded = EncoderLoader.Load(s.Encoder!);
        if (s.Format == "onnx") return ExportOnnx(loaded, s);
        if (s.Part is null or "image")
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

    private int ExportOnnx(LoadedEncoder loaded, Settings s)
    {
        var options = new OnnxExportOptions(Image: s.Part is null or "image", Text: s.Part is null or "text", RequireText: s.Part == "text", ExpandToRgb: s.Rgb);
        var result = OnnxExport.Write(loaded, s.Out!, options, new ConsoleProgress(console));
        foreach (var note in result.Notes) console.WriteLine(note);
        console.WriteLine($"ONNX export (opset {OnnxExport.Opset}) -> {result.Folder}");
        return 0;
    }
}
