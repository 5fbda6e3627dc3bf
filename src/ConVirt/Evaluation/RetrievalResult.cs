using System.Globalization;
using System.Text;

namespace ConVirt.Evaluation;

/// <summary>Result of <c>evaluate retrieval</c>.</summary>
/// <param name="Kind">"retrieval".</param>
/// <param name="Encoder">The encoder evaluated.</param>
/// <param name="Label">Label key.</param>
/// <param name="Features">Which embedding was ranked: "v/u (projected)" or "h_v".</param>
/// <param name="Queries">Query rows.</param>
/// <param name="Candidates">Candidate rows.</param>
/// <param name="SelfExcluded">Queries whose own row was among the candidates and left out of their ranking.</param>
/// <param name="Ks">Cut-offs.</param>
/// <param name="ImageToImage">Mean precision@k of image queries, per k.</param>
/// <param name="ImageToImageByLabel">Per query label: (queries, precision per k).</param>
/// <param name="TextQueries">Text query file, or null.</param>
/// <param name="TextToImage">Mean precision@k of text queries per k, or null.</param>
/// <param name="TextToImageByLabel">Per text-query label, or null.</param>
/// <param name="ImageSize">Evaluation view side.</param>
public sealed record RetrievalResult(string Kind, EncoderInfo Encoder, string Label, string Features, DataSetInfo Queries, DataSetInfo Candidates,
    int SelfExcluded, IReadOnlyList<int> Ks, IReadOnlyList<double> ImageToImage, IReadOnlyDictionary<string, LabelPrecision> ImageToImageByLabel,
    string? TextQueries, IReadOnlyList<double>? TextToImage, IReadOnlyDictionary<string, LabelPrecision>? TextToImageByLabel, int ImageSize)
{
    /// <summary>A markdown section with one table per direction.</summary>
    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"## Retrieval: {Encoder.Label}, label `{Label}`");
        sb.AppendLine();
        sb.AppendLine(ci, $"- features: {Features}; image size {ImageSize}; cosine similarity, ties by candidate order");
        sb.AppendLine(ci, $"- queries: {LabelEfficiencyResult.Describe(Queries)}");
        sb.AppendLine(ci, $"- candidates: {LabelEfficiencyResult.Describe(Candidates)}; {SelfExcluded} queries excluded from their own ranking");
        sb.AppendLine();
        Table(sb, "image → image", ImageToImage, ImageToImageByLabel);
        if (TextToImage is not null) Table(sb, $"text → image (`{TextQueries}`)", TextToImage, TextToImageByLabel!);
        return sb.ToString();
    }

    void Table(StringBuilder sb, string title, IReadOnlyList<double> overall, IReadOnlyDictionary<string, LabelPrecision> byLabel)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine(ci, $"| {title} | queries | {string.Join(" | ", Ks.Select(k => $"P@{k}"))} |");
        sb.AppendLine($"|---|---:|{string.Concat(Ks.Select(_ => "---:|"))}");
        sb.AppendLine(ci, $"| **all** | {byLabel.Values.Sum(l => l.Queries)} | {string.Join(" | ", overall.Select(p => p.ToString("0.000", ci)))} |");
        foreach (var (label, p) in byLabel.OrderBy(x => x.Key, StringComparer.Ordinal))
            sb.AppendLine(ci, $"| {label} | {p.Queries} | {string.Join(" | ", p.Precision.Select(v => v.ToString("0.000", ci)))} |");
        sb.AppendLine();
    }
}
