using ConVirt.Training;
using System.Globalization;
using System.Text.Json;
using ConVirt.Interop;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// <c>convirt embed</c>: embeddings of a manifest's rows written to a file. The format follows the extension:
/// <c>.safetensors</c> (tensor <c>embeddings</c> [n, d] float32; metadata <c>ids</c> = JSON array of row ids,
/// <c>encoder</c>, <c>features</c>) or <c>.csv</c> (header <c>id,f0,...,f{d-1}</c>, one row per embedding).
/// </summary>
internal static class EmbedJob
{
    /// <summary>Embeds and writes; returns the number of rows written and the dimension.</summary>
    public static (int Rows, int Dimension, int Skipped) Run(EmbedOptions options, IProgress<string>? progress = null)
    {
        var extension = Path.GetExtension(options.Out).ToLowerInvariant();
        if (extension is not (".safetensors" or ".csv")) throw new ArgumentException($"{options.Out}: unknown output format '{extension}' (expected .safetensors or .csv)");
        if (options.Modality is not ("image" or "text")) throw new ArgumentException($"--modality '{options.Modality}': expected image or text");
        // text needs no image: rows without one are kept, and image paths are neither resolved nor checked
        var manifestOptions = options.Modality == "text"
            ? new Data.ManifestOptions(CheckImageFiles: false) { RequireImage = false }
            : new Data.ManifestOptions { ImageRoot = options.ImageRoot };
        var rows = LabelledRows.Load(options.Data, options.Split, [], manifestOptions: manifestOptions);
        var encoder = EncoderLoader.Load(options.Encoder, options.Seed, options.Device, options.Precision, options.Backend);
        var device = torch.device(options.Device);
        using var precision = encoder.Compute();   // frozen weights: one cast each for the whole job
        float[,] embeddings;
        IReadOnlyList<string> ids;
        string features;
        int skipped;
        if (options.Modality == "text")
        {
            var (_, tokenizer) = encoder.RequireTextTower("text embeddings need a ConVIRT run");
            var withText = rows.Rows.Where(r => !string.IsNullOrWhiteSpace(r.Text)).ToList();
            if (withText.Count == 0) throw new ArgumentException($"{options.Data}: no row has text");
            progress?.Report($"embedding {withText.Count} texts");
            using var scope = NewDisposeScope();
            embeddings = ImageFeatures.ToMatrix(EmbeddingExtractor.Texts(encoder.Towers, tokenizer, withText.Select(r => r.Text!).ToList(),
                encoder.Config.Model.Text.MaxLength, device));
            ids = withText.Select(r => r.Id).ToList();
            features = "u";
            skipped = rows.Rows.Count - withText.Count;
        }
        else
        {
            var set = ImageFeatures.Extract(encoder, rows.Rows, options.ImageSize, options.Projected, device, Path.GetFileName(options.Data), progress: progress);
            embeddings = set.Features;
            ids = set.Rows.Select(r => r.Id).ToList();
            features = options.Projected ? "v" : "h_v";
            skipped = set.Unreadable.Count;
        }
        Write(options.Out, embeddings, ids, new Dictionary<string, string> { ["encoder"] = options.Encoder, ["features"] = features, ["manifest"] = options.Data });
        return (ids.Count, embeddings.GetLength(1), skipped);
    }

    /// <summary>Writes [n, d] <paramref name="embeddings"/> with their row ids (format by extension).</summary>
    public static void Write(string path, float[,] embeddings, IReadOnlyList<string> ids, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (ids.Count != embeddings.GetLength(0)) throw new ArgumentException($"{ids.Count} ids for {embeddings.GetLength(0)} embeddings");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            using var writer = new StreamWriter(path);
            int d = embeddings.GetLength(1);
            writer.WriteLine("id," + string.Join(",", Enumerable.Range(0, d).Select(j => $"f{j}")));
            for (int i = 0; i < ids.Count; i++)
            {
                writer.Write(Csv(ids[i]));
                for (int j = 0; j < d; j++) writer.Write(string.Create(CultureInfo.InvariantCulture, $",{embeddings[i, j]:R}"));
                writer.WriteLine();
            }
            return;
        }
        using var scope = NewDisposeScope();
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { ["ids"] = JsonSerializer.Serialize(ids) };
        SafeTensors.Write(path, [new("embeddings", tensor(embeddings))], all);
    }

    /// <summary>Reads a file written by <see cref="Write"/>: ids and [n, d] embeddings.</summary>
    public static (IReadOnlyList<string> Ids, float[,] Embeddings) Read(string path)
    {
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            var lines = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).ToList();
            var ids = new List<string>();
            float[,]? m = null;
            for (int i = 0; i < lines.Count; i++)
            {
                int cut = lines[i].LastIndexOf('"') is int q and >= 0 ? lines[i].IndexOf(',', q) : lines[i].IndexOf(',');
                var id = lines[i][..cut];
                ids.Add(id.StartsWith('"') ? id[1..^1].Replace("\"\"", "\"") : id);
                var values = lines[i][(cut + 1)..].Split(',');
                m ??= new float[lines.Count, values.Length];
                for (int j = 0; j < values.Length; j++) m[i, j] = float.Parse(values[j], CultureInfo.InvariantCulture);
            }
            return (ids, m ?? new float[0, 0]);
        }
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Read(path, out var metadata);
        return (JsonSerializer.Deserialize<string[]>(metadata["ids"])!, ImageFeatures.ToMatrix(tensors["embeddings"]));
    }

    static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
