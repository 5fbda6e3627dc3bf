using ConVirt.Data.Prepared;
using ConVirt.Data.Images;
using ConVirt.Training;
using System.Globalization;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation.Grounding;

/// <summary>One map written by <see cref="GroundingJob"/>.</summary>
/// <param name="Image">The image file.</param>
/// <param name="Text">The phrase.</param>
/// <param name="Png">The overlay.</param>
/// <param name="Csv">The raw map.</param>
/// <param name="Rows">Map rows (image side / 32).</param>
/// <param name="Columns">Map columns.</param>
/// <param name="Peak">Where the map is largest.</param>
internal sealed record GroundingOutput(string Image, string Text, string Png, string Csv, int Rows, int Columns, (int Row, int Column) Peak);

/// <summary><c>convirt ground</c>: grounding maps of phrases on images (<see cref="GroundingMap"/>), as PNG overlays and CSV.</summary>
internal static class GroundingJob
{
    /// <summary>Maps of every phrase on every image: one image and phrase, or many.</summary>
    /// <param name="encoder">A ConVIRT run folder or checkpoint.</param>
    /// <param name="images">Image files.</param>
    /// <param name="texts">Phrases.</param>
    /// <param name="output">For one image and one phrase the PNG path; otherwise a folder (ID__K.png / .csv).</param>
    /// <param name="imageSize">Side of the evaluation view.</param>
    /// <param name="device">cpu or cuda.</param>
    /// <param name="ids">Names for the images in file names (default: the file names without extension).</param>
    /// <param name="precision">What the encoders compute in (fp32, bf16, auto).</param>
    public static IReadOnlyList<GroundingOutput> Run(string encoder, IReadOnlyList<string> images, IReadOnlyList<string> texts, string output,
        int imageSize = 224, string device = "cpu", IReadOnlyList<string>? ids = null, Precision.PrecisionMode precision = ConVirt.Precision.PrecisionMode.Fp32) =>
        Run(encoder, images.Select((path, i) => new GroundingImage(ids?[i] ?? Path.GetFileNameWithoutExtension(path), path, () => ImageDecoder.Load(path))).ToList(),
            texts, output, imageSize, device, precision);

    /// <summary>Maps of every phrase on every row of a manifest or prepared dataset (images from files or shards).</summary>
    public static IReadOnlyList<GroundingOutput> Run(string encoder, IReadOnlyList<ManifestRow> rows, IReadOnlyList<string> texts, string output,
        int imageSize = 224, string device = "cpu", Precision.PrecisionMode precision = ConVirt.Precision.PrecisionMode.Fp32) =>
        Run(encoder, rows.Select(r => new GroundingImage(r.Id, r.ImagePath,
            () => RowImages.TryLoad(r, out var image, out var error) ? image : throw new ImageDecodeException(r.ImagePath, error))).ToList(),
            texts, output, imageSize, device, precision);

    private sealed record GroundingImage(string Id, string Source, Func<GrayImage> Load);

    private static IReadOnlyList<GroundingOutput> Run(string encoder, IReadOnlyList<GroundingImage> images, IReadOnlyList<string> texts, string output,
        int imageSize, string device, Precision.PrecisionMode precision)
    {
        if (images.Count == 0 || texts.Count == 0) throw new ArgumentException("grounding needs at least one image and one phrase");
        var loaded = EncoderLoader.Load(encoder, 0, device, precision, Inference.TowerBackend.LibTorch);   // grounding reads the spatial feature maps: the modules
        var (model, tokenizer) = loaded.RequireTextTower("grounding maps need a ConVIRT run (not random, imagenet, SimCLR or MoCo)");
        var dev = torch.device(device);
        using var autocast = loaded.Compute();
        using var scope = NewDisposeScope();
        var u = EmbeddingExtractor.Texts(model, tokenizer, texts, loaded.Config.Model.Text.MaxLength, dev);
        bool single = images.Count == 1 && texts.Count == 1;
        var transform = new EvalTransform(imageSize);
        var results = new List<GroundingOutput>();
        for (int i = 0; i < images.Count; i++)
        {
            var view = transform.Apply(images[i].Load());
            using var inner = NewDisposeScope();
            var x = torch.tensor(view, [1, 1, imageSize, imageSize], device: dev);
            if (model.ImageEncoder.Spec.InChannels == 3) x = x.expand(1, 3, imageSize, imageSize);
            for (int t = 0; t < texts.Count; t++)
            {
                var map = GroundingMap.Compute(model, x, u[t]);
                string png = single ? output : Path.Combine(output, string.Create(CultureInfo.InvariantCulture, $"{images[i].Id}__{t}.png"));
                string csv = Path.ChangeExtension(png, ".csv");
                GroundingOverlay.Write(png, view, imageSize, map, texts[t]);
                GroundingOverlay.WriteCsv(csv, map);
                results.Add(new GroundingOutput(images[i].Source, texts[t], png, csv, map.GetLength(0), map.GetLength(1), GroundingMap.Peak(map)));
            }
        }
        return results;
    }

    /// <summary>Phrases from a file: JSON Lines with a "text" field, or one phrase per line.</summary>
    public static IReadOnlyList<string> ReadTexts(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: phrases file not found", path);
        var texts = new List<string>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            var s = raw.Trim();
            if (s.Length == 0) continue;
            if (s.StartsWith('{'))
            {
                try
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(s);
                    texts.Add(doc.RootElement.TryGetProperty("text", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
                        ? v.GetString()!.Trim() : throw new FormatException($"{path}:{line}: field 'text' is missing or not a non-empty string"));
                }
                catch (System.Text.Json.JsonException e) { throw new FormatException($"{path}:{line}: not a JSON object ({e.Message.Split('.')[0]})", e); }
            }
            else texts.Add(s);
        }
        if (texts.Count == 0) throw new FormatException($"{path}: no phrases");
        return texts;
    }
}
