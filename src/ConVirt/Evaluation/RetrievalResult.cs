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
/// <param name="ImageToImageInterval">Per k: the mean over queries with its 95 % bootstrap interval (patients resampled).</param>
/// <param name="ImageToImageClassMean">Per k: the mean of the per-label means (every label weighs the same), with its interval.</param>
/// <param name="TextQueries">Text query file, or null.</param>
/// <param name="TextToImage">Mean precision@k of text queries per k, or null.</param>
/// <param name="TextToImageByLabel">Per text-query label, or null.</param>
/// <param name="TextToImageInterval">As <paramref name="ImageToImageInterval"/> over the text queries, or null.</param>
/// <param name="TextToImageClassMean">As <paramref name="ImageToImageClassMean"/> over the text queries, or null.</param>
/// <param name="ImageSize">Evaluation view side.</param>
internal sealed record RetrievalResult(string Kind, EncoderInfo Encoder, string Label, string Features, DataSetInfo Queries, DataSetInfo Candidates,
    int SelfExcluded, IReadOnlyList<int> Ks, IReadOnlyList<double> ImageToImage, IReadOnlyDictionary<string, LabelPrecision> ImageToImageByLabel,
    IReadOnlyList<MeanInterval> ImageToImageInterval, IReadOnlyList<MeanInterval> ImageToImageClassMean,
    string? TextQueries, IReadOnlyList<double>? TextToImage, IReadOnlyDictionary<string, LabelPrecision>? TextToImageByLabel,
    IReadOnlyList<MeanInterval>? TextToImageInterval, IReadOnlyList<MeanInterval>? TextToImageClassMean, int ImageSize)
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
        sb.AppendLine("Intervals: 95 % bootstrap over queries (patients resampled where rows name one); the class-balanced mean weighs every label equally.");
        sb.AppendLine();
        Table(sb, "image → image", ImageToImage, ImageToImageByLabel, ImageToImageInterval, ImageToImageClassMean);
        if (TextToImage is not null) Table(sb, $"text → image (`{TextQueries}`)", TextToImage, TextToImageByLabel!, TextToImageInterval!, TextToImageClassMean!);
        return sb.ToString();
    }

    void Table(StringBuilder sb, string title, IReadOnlyList<double> overall, IReadOnlyDictionary<string, LabelPrecision> byLabel,
        IReadOnlyList<MeanInterval> interval, IReadOnlyList<MeanInterval> classMean)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine(ci, $"| {title} | queries | {string.Join(" | ", Ks.Select(k => $"P@{k}"))} |");
        sb.AppendLine($"|---|---:|{string.Concat(Ks.Select(_ => "---:|"))}");
        sb.AppendLine(ci, $"| **all** | {byLabel.Values.Sum(l => l.Queries)} | {string.Join(" | ", overall.Select(p => p.ToString("0.000", ci)))} |");
        sb.AppendLine(ci, $"| all, 95 % interval | | {string.Join(" | ", interval.Select(m => $"{m.Low.ToString("0.000", ci)}-{m.High.ToString("0.000", ci)}"))} |");
        sb.AppendLine(ci, $"| class-balanced mean [interval] | | {string.Join(" | ", classMean.Select(m => $"{m.Mean.ToString("0.000", ci)} [{m.Low.ToString("0.000", ci)}-{m.High.ToString("0.000", ci)}]"))} |");
        foreach (var (label, p) in byLabel.OrderBy(x => x.Key, StringComparer.Ordinal))
            sb.AppendLine(ci, $"| {label} | {p.Queries} | {string.Join(" | ", p.Precision.Select(v => v.ToString("0.000", ci)))} |");
        sb.AppendLine();
    }
}
