using ConVirt.Training;
using System.Globalization;
using ConVirt.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary><c>convirt tsne</c>: a t-SNE map of an encoder's h_v, coloured by a label (PNG + coordinates CSV + summary JSON).</summary>
internal static class TsneJob
{
    /// <summary>Extracts features, runs <see cref="Tsne.Embed(Tensor, TsneOptions, IProgress{ValueTuple{int, double}})"/> and writes the files.</summary>
    public static TsneJobResult Run(TsneJobOptions options, IProgress<string>? progress = null)
    {
        if (!options.Out.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out '{options.Out}': expected a .png path");
        if (options.MaxPoints < 3) throw new ArgumentException($"--max-points is {options.MaxPoints}; it must be at least 3");
        var key = options.Label.Trim();
        var rows = LabelledRows.Load(options.Data, options.Split, [key], manifestOptions: LabelledRows.RootedAt(options.ImageRoot));
        var chosen = rows.Rows;
        if (chosen.Count > options.MaxPoints)
        {
            var order = Enumerable.Range(0, chosen.Count).ToArray();
            new Random(options.Seed).Shuffle(order);
            chosen = order.Take(options.MaxPoints).Order().Select(i => rows.Rows[i]).ToList();
        }
        var tsneOptions = new TsneOptions(Perplexity: options.Perplexity, Iterations: options.Iterations, Seed: options.Seed);
        tsneOptions.Validate(chosen.Count);
        var encoder = EncoderLoader.Load(options.Encoder, options.Seed, options.Device, options.Precision, options.Backend);
        var device = torch.device(options.Device);
        using var precision = encoder.Compute();   // frozen weights: one cast each for the whole job
        var features = ImageFeatures.Extract(encoder, chosen, options.ImageSize, false, device, Path.GetFileName(options.Data), progress: progress);
        tsneOptions.Validate(features.Rows.Count);
        progress?.Report($"t-SNE of {features.Rows.Count} points ({features.Dimension}-d), perplexity {options.Perplexity}, {options.Iterations} iterations");
        var labels = features.Rows.Select(r => r.Labels[key]!).ToList();
        TsneResult map;
        double trust;
        using (var scope = NewDisposeScope())
        {
            var high = tensor(features.Features);
            map = Tsne.Embed(high, tsneOptions, new Progress<(int Iteration, double Kl)>(p =>
                progress?.Report(string.Create(CultureInfo.InvariantCulture, $"t-SNE iteration {p.Iteration}: KL {p.Kl:0.0000}"))));
            trust = Tsne.Trustworthiness(high, tensor(map.Embedding), Math.Min(10, features.Rows.Count / 2 - 1));
        }
        string csv = Path.ChangeExtension(options.Out, ".csv"), json = Path.ChangeExtension(options.Out, ".json");
        var dir = Path.GetDirectoryName(Path.GetFullPath(options.Out));
        if (dir is not null) Directory.CreateDirectory(dir);
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine("id,label,x,y");
            for (int i = 0; i < labels.Count; i++)
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Csv(features.Rows[i].Id)},{Csv(labels[i])},{map.Embedding[i, 0]:R},{map.Embedding[i, 1]:R}"));
        }
        var info = EncoderInfo.Of(encoder);
        EvaluationPlots.LabelledScatter(options.Out, $"t-SNE of h_v: {info.Label} ({key})", map.Embedding, labels);
        var result = new TsneJobResult("tsne", info, key,
            new DataSetInfo(options.Data, rows.Split, features.Rows.Count, rows.NullLabelRows, features.Unreadable.Count),
            features.Rows.Count, options.Perplexity, options.Iterations, map.KlDivergence, trust, Path.GetFileName(options.Out), Path.GetFileName(csv));
        EvaluationJson.Write(json, result);
        return result;
    }

    static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
