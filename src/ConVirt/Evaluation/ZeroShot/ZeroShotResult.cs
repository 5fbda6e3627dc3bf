using System.Globalization;
using System.Text;

namespace ConVirt.Evaluation.ZeroShot;

/// <summary>AUC of one binary finding in pairs mode.</summary>
/// <param name="Positives">Images labelled 1.</param>
/// <param name="Negatives">Images labelled 0.</param>
/// <param name="Auc">ROC AUC of the positive-prompt probability, with its 95 % interval.</param>
internal sealed record FindingScore(int Positives, int Negatives, MeanInterval Auc);

/// <summary>Result of <c>evaluate zeroshot</c>. Intervals: 95 % bootstrap over images, resampling patients where rows name one.</summary>
/// <param name="Kind">"zeroshot".</param>
/// <param name="Encoder">The encoder evaluated.</param>
/// <param name="Mode">"classes" or "pairs".</param>
/// <param name="Label">Classes: the label key; pairs: the findings evaluated.</param>
/// <param name="Prompts">The prompts file and its prompt count per class.</param>
/// <param name="PromptCounts">Prompts per class label.</param>
/// <param name="Data">The images.</param>
/// <param name="Temperature">τ of the softmax (the run's contrastive temperature).</param>
/// <param name="SkippedRows">Rows whose label value has no prompt class (classes) or no 0/1 value for any finding (pairs).</param>
/// <param name="Classes">Classes mode: the class order of the confusion matrix.</param>
/// <param name="Accuracy">Classes mode.</param>
/// <param name="BalancedAccuracy">Classes mode: mean per-class recall.</param>
/// <param name="MacroAuc">Classes mode: macro one-vs-rest ROC AUC.</param>
/// <param name="Confusion">Classes mode: [actual][predicted] counts.</param>
/// <param name="Findings">Pairs mode: per finding.</param>
/// <param name="MeanAuc">Pairs mode: mean AUC over findings.</param>
/// <param name="ImageSize">Evaluation view side.</param>
internal sealed record ZeroShotResult(string Kind, EncoderInfo Encoder, string Mode, string Label, string Prompts, IReadOnlyDictionary<string, int> PromptCounts,
    DataSetInfo Data, double Temperature, int SkippedRows,
    IReadOnlyList<string>? Classes, MeanInterval? Accuracy, MeanInterval? BalancedAccuracy, MeanInterval? MacroAuc, int[][]? Confusion,
    IReadOnlyDictionary<string, FindingScore>? Findings, MeanInterval? MeanAuc, int ImageSize)
{
    /// <summary>A markdown section.</summary>
    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"## Zero-shot ({Mode}): {Encoder.Label}, `{Label}`");
        sb.AppendLine();
        sb.AppendLine(ci, $"- prompts: `{Prompts}` ({string.Join(", ", PromptCounts.Select(p => $"{p.Key}: {p.Value}"))})");
        sb.AppendLine(ci, $"- images: {LabelEfficiencyResult.Describe(Data)}; {SkippedRows} rows without a usable label; image size {ImageSize}; τ = {Temperature:0.###}");
        sb.AppendLine("- intervals: 95 % bootstrap over images (resampling patients where rows name one)");
        sb.AppendLine();
        if (Classes is not null)
        {
            sb.AppendLine("| metric | value | 95 % interval |");
            sb.AppendLine("|---|---:|---|");
            sb.AppendLine(Row("accuracy", Accuracy!.Value));
            sb.AppendLine(Row("balanced accuracy", BalancedAccuracy!.Value));
            sb.AppendLine(Row("macro one-vs-rest AUC", MacroAuc!.Value));
            sb.AppendLine();
            sb.AppendLine("Confusion matrix (rows: actual class, columns: predicted class):");
            sb.AppendLine();
            sb.AppendLine(ci, $"| actual \\ predicted | {string.Join(" | ", Classes)} |");
            sb.AppendLine($"|---|{string.Concat(Classes.Select(_ => "---:|"))}");
            for (int a = 0; a < Classes.Count; a++) sb.AppendLine(ci, $"| {Classes[a]} | {string.Join(" | ", Confusion![a])} |");
        }
        else
        {
            sb.AppendLine("| finding | positives | negatives | AUC | 95 % interval |");
            sb.AppendLine("|---|---:|---:|---:|---|");
            foreach (var (f, s) in Findings!) sb.AppendLine(ci, $"| {f} | {s.Positives} | {s.Negatives} | {s.Auc.Mean:0.000} | {s.Auc.Low:0.000}-{s.Auc.High:0.000} |");
            sb.AppendLine(ci, $"| **mean** | | | {MeanAuc!.Value.Mean:0.000} | {MeanAuc.Value.Low:0.000}-{MeanAuc.Value.High:0.000} |");
        }
        sb.AppendLine();
        return sb.ToString();

        string Row(string name, MeanInterval m) => string.Create(ci, $"| {name} | {m.Mean:0.000} | {m.Low:0.000}-{m.High:0.000} |");
    }
}
