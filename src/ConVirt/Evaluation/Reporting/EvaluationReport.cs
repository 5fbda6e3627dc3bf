using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConVirt.Evaluation.Reporting;

/// <summary>
/// <c>convirt report</c>: gathers the result files of several evaluation output folders (linear.json, finetune.json,
/// retrieval.json, t-SNE summaries) into one markdown report with label-efficiency plots and t-SNE panels.
/// </summary>
internal static class EvaluationReport
{
    /// <summary>Report file name in the output folder.</summary>
    public const string MarkdownFileName = "report.md";

    /// <summary>Reads every result file under <paramref name="folders"/> and writes report.md and PNGs to <paramref name="outFolder"/>.</summary>
    /// <returns>The report's path.</returns>
    /// <exception cref="DirectoryNotFoundException">A folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">No result file was found.</exception>
    public static string Write(IReadOnlyList<string> folders, string outFolder)
    {
        var linear = new List<LabelEfficiencyResult>();
        var finetune = new List<LabelEfficiencyResult>();
        var retrieval = new List<RetrievalResult>();
        var tsne = new List<(TsneJobResult Result, string Folder)>();
        var zeroShot = new List<ZeroShot.ZeroShotResult>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such results folder");
            foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}features{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                switch (EvaluationJson.KindOf(file))
                {
                    case "linear": linear.Add(EvaluationJson.Read<LabelEfficiencyResult>(file)); break;
                    case "finetune": finetune.Add(EvaluationJson.Read<LabelEfficiencyResult>(file)); break;
                    case "retrieval": retrieval.Add(EvaluationJson.Read<RetrievalResult>(file)); break;
                    case "tsne": tsne.Add((EvaluationJson.Read<TsneJobResult>(file), Path.GetDirectoryName(file)!)); break;
                    case "zeroshot": zeroShot.Add(EvaluationJson.Read<ZeroShot.ZeroShotResult>(file)); break;
                }
            }
        }
        if (linear.Count + finetune.Count + retrieval.Count + tsne.Count + zeroShot.Count == 0)
            throw new FileNotFoundException($"no result files (linear.json, finetune.json, retrieval.json, zeroshot.json, t-SNE .json) in: {string.Join(", ", folders)}");
        Directory.CreateDirectory(outFolder);
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Evaluation report");
        md.AppendLine();
        md.AppendLine(ci, $"Sources: {string.Join(", ", folders.Select(f => $"`{f}`"))}. Intervals: 95% percentile bootstrap of the mean over runs.");
        md.AppendLine();
        Encoders(md, linear.Select(r => r.Encoder).Concat(finetune.Select(r => r.Encoder)).Concat(retrieval.Select(r => r.Encoder)).Concat(tsne.Select(t => t.Result.Encoder)).Concat(zeroShot.Select(z => z.Encoder)));
        LabelEfficiency(md, "Linear evaluation", "linear", linear, outFolder);
        LabelEfficiency(md, "Fine-tuning", "finetune", finetune, outFolder);
        if (retrieval.Count > 0)
        {
            md.AppendLine("## Retrieval");
            md.AppendLine();
            foreach (var group in retrieval.GroupBy(r => (r.Label, string.Join(",", r.Ks))))
            {
                var ks = group.First().Ks;
                md.AppendLine(ci, $"Label `{group.Key.Label}`, precision@k:");
                md.AppendLine();
                md.AppendLine(ci, $"| encoder | direction | features | queries | candidates | {string.Join(" | ", ks.Select(k => $"P@{k}"))} |");
                md.AppendLine($"|---|---|---|---:|---:|{string.Concat(ks.Select(_ => "---:|"))}");
                foreach (var r in group)
                {
                    md.AppendLine(ci, $"| {r.Encoder.Label} | image → image | {r.Features} | {r.Queries.Rows} | {r.Candidates.Rows} | {Join(r.ImageToImage)} |");
                    if (r.TextToImage is not null)
                        md.AppendLine(ci, $"| {r.Encoder.Label} | text → image | {r.Features} | {r.TextToImageByLabel!.Values.Sum(v => v.Queries)} | {r.Candidates.Rows} | {Join(r.TextToImage)} |");
                }
                md.AppendLine();
            }
        }
        ZeroShotSection(md, zeroShot);
        if (tsne.Count > 0)
        {
            md.AppendLine("## t-SNE of h_v");
            md.AppendLine();
            md.AppendLine("| encoder | label | points | perplexity | iterations | KL | trustworthiness@10 |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var (t, _) in tsne)
                md.AppendLine(ci, $"| {t.Encoder.Label} | {t.Label} | {t.Points} | {t.Perplexity:0.#} | {t.Iterations} | {t.KlDivergence:0.000} | {t.Trustworthiness:0.000} |");
            md.AppendLine();
            foreach (var group in tsne.GroupBy(t => t.Result.Label))
            {
                var panels = group.Select(t => (Path.Combine(t.Folder, t.Result.Png), t.Result.Encoder.Label)).Where(p => File.Exists(p.Item1)).ToList();
                if (panels.Count == 0) continue;
                var name = $"tsne-{Slug(group.Key)}.png";
                EvaluationPlots.SideBySide(Path.Combine(outFolder, name), panels);
                md.AppendLine(ci, $"![t-SNE by {group.Key}]({name})");
                md.AppendLine();
            }
        }
        var path = Path.Combine(outFolder, MarkdownFileName);
        File.WriteAllText(path, md.ToString());
        return path;
    }

    static void Encoders(StringBuilder md, IEnumerable<EncoderInfo> encoders)
    {
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine("## Encoders");
        md.AppendLine();
        md.AppendLine("| encoder | method | architecture | initial image weights | pretraining (from config.json) |");
        md.AppendLine("|---|---|---|---|---|");
        var distinct = encoders.GroupBy(e => e.Name).Select(g => g.First()).ToList();
        foreach (var e in distinct) md.AppendLine(ci, $"| {e.Label} (`{e.Name}`) | {e.Method} | {e.Architecture} | {e.ImageWeights} | {Pretraining(e.Config)} |");
        md.AppendLine();
        foreach (var e in distinct.Where(e => e.Config is not null))
        {
            md.AppendLine(ci, $"<details><summary>config.json of {e.Label}</summary>");
            md.AppendLine();
            md.AppendLine("```json");
            md.AppendLine(JsonSerializer.Serialize(e.Config, new JsonSerializerOptions { WriteIndented = true }));
            md.AppendLine("```");
            md.AppendLine("</details>");
            md.AppendLine();
        }
    }

    static string Pretraining(JsonElement? config)
    {
        if (config is not { } c) return "none (named baseline)";
        string Get(params string[] path)
        {
            var e = c;
            foreach (var p in path)
            {
                var match = e.ValueKind == JsonValueKind.Object
                    ? e.EnumerateObject().FirstOrDefault(x => string.Equals(x.Name, p, StringComparison.OrdinalIgnoreCase) || string.Equals(x.Name.Replace("_", ""), p, StringComparison.OrdinalIgnoreCase))
                    : default;
                if (match.Value.ValueKind == JsonValueKind.Undefined) return "?";
                e = match.Value;
            }
            return e.ToString();
        }
        return $"image size {Get("data", "imageSize")}, batch {Get("optimizer", "batchSize")}, epochs {Get("optimizer", "epochs")}, lr {Get("optimizer", "learningRate")}, τ {Get("loss", "temperature")}, text {Get("model", "text", "weights")}";
    }

    static void LabelEfficiency(StringBuilder md, string title, string kind, List<LabelEfficiencyResult> results, string outFolder)
    {
        if (results.Count == 0) return;
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine(ci, $"## {title}");
        md.AppendLine();
        var groups = results.GroupBy(r => (r.Label, r.Test.Manifest, r.Test.Split)).ToList();
        foreach (var group in groups)
        {
            var first = group.First();
            // One plot per group: named by the label, and by the test set too where another group shares the label
            // (e.g. pneumonia on two data sets), so that no plot overwrites another.
            bool shared = groups.Count(g => g.Key.Label == group.Key.Label) > 1;
            string set = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(group.Key.Manifest))) + (group.Key.Split is null ? "" : $" {group.Key.Split}");
            md.AppendLine(ci, $"Label `{group.Key.Label}` ({first.Task}); test `{group.Key.Manifest}`{(group.Key.Split is null ? "" : $" split {group.Key.Split}")}, {first.Test.Rows} rows.");
            md.AppendLine();
            md.AppendLine("| encoder | fraction | train labels | runs | AUC | accuracy | balanced accuracy |");
            md.AppendLine("|---|---:|---:|---:|---|---|---|");
            foreach (var r in group)
                foreach (var f in r.Fractions)
                    md.AppendLine(ci, $"| {r.Encoder.Label} | {f.Fraction:0.###} | {f.TrainCount:0.#} | {f.Runs.Count} | {LabelEfficiencyResult.Format(f.Auc)} | {LabelEfficiencyResult.Format(f.Accuracy)} | {LabelEfficiencyResult.Format(f.BalancedAccuracy)} |");
            md.AppendLine();
            var name = shared ? $"{kind}-{Slug(group.Key.Label)}-{Slug(set)}-auc.png" : $"{kind}-{Slug(group.Key.Label)}-auc.png";
            EvaluationPlots.LabelEfficiency(Path.Combine(outFolder, name), shared ? $"{title}: {group.Key.Label} ({set})" : $"{title}: {group.Key.Label}", "AUC",
                group.Select(r => (r.Encoder.Label, (IReadOnlyList<(double, MeanInterval)>)r.Fractions.Select(f => (f.Fraction, f.Auc)).ToList())).ToList());
            md.AppendLine(ci, $"![{title} AUC by label fraction]({name})");
            md.AppendLine();
        }
    }

    static string Join(IReadOnlyList<double> values) => string.Join(" | ", values.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture)));

    static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    private static void ZeroShotSection(StringBuilder md, List<ZeroShot.ZeroShotResult> results)
    {
        if (results.Count == 0) return;
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine("## Zero-shot classification");
        md.AppendLine();
        md.AppendLine("Intervals: 95% bootstrap over images, resampling patients.");
        md.AppendLine();
        md.AppendLine("| encoder | mode | label | images | metric | value | 95% interval |");
        md.AppendLine("|---|---|---|---:|---|---:|---|");
        foreach (var r in results)
        {
            var metrics = r.Mode == "classes"
                ? new[] { ("accuracy", r.Accuracy!.Value), ("balanced accuracy", r.BalancedAccuracy!.Value), ("macro AUC", r.MacroAuc!.Value) }
                : r.Findings!.Select(f => ($"AUC {f.Key}", f.Value.Auc)).Append(("mean AUC", r.MeanAuc!.Value)).ToArray();
            foreach (var (name, m) in metrics)
                md.AppendLine(ci, $"| {r.Encoder.Label} | {r.Mode} | {r.Label} | {r.Data.Rows} | {name} | {m.Mean:0.000} | {m.Low:0.000}-{m.High:0.000} |");
        }
        md.AppendLine();
    }
}
