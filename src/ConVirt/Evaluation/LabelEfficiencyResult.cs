using System.Globalization;
using System.Text;

namespace ConVirt.Evaluation;

/// <summary>Result of <c>evaluate linear</c> or <c>evaluate finetune</c>: scores per label fraction.</summary>
/// <param name="Kind">"linear" or "finetune".</param>
/// <param name="Encoder">The encoder evaluated.</param>
/// <param name="Label">Label key(s), comma-separated.</param>
/// <param name="Task">Task description (binary / n-class / multi-label and classes).</param>
/// <param name="Classes">Classes, or labels of a multi-label task.</param>
/// <param name="Train">Training rows used.</param>
/// <param name="Test">Test rows used.</param>
/// <param name="ImageSize">Evaluation view side.</param>
/// <param name="Seed">Base seed.</param>
/// <param name="Fractions">Scores per fraction.</param>
/// <param name="Settings">Protocol settings (probe grid, learning rate, epochs, ...), as text.</param>
/// <param name="Validation">Fine-tuning: rows used for early stopping; null for the probe.</param>
internal sealed record LabelEfficiencyResult(string Kind, EncoderInfo Encoder, string Label, string Task, IReadOnlyList<string> Classes,
    DataSetInfo Train, DataSetInfo Test, int ImageSize, int Seed, IReadOnlyList<FractionScores> Fractions,
    IReadOnlyDictionary<string, string> Settings, DataSetInfo? Validation = null)
{
    /// <summary>A markdown section: heading, data lines and one table row per fraction.</summary>
    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"## {(Kind == "linear" ? "Linear evaluation" : "Fine-tuning")}: {Encoder.Label}, label `{Label}`");
        sb.AppendLine();
        sb.AppendLine(ci, $"- task: {Task}; image size {ImageSize}; seed {Seed}");
        sb.AppendLine(ci, $"- train: {Describe(Train)}");
        if (Validation is not null) sb.AppendLine(ci, $"- validation (early stopping): {Describe(Validation)}");
        sb.AppendLine(ci, $"- test: {Describe(Test)}");
        sb.AppendLine(ci, $"- settings: {string.Join(", ", Settings.Select(s => $"{s.Key} {s.Value}"))}");
        sb.AppendLine();
        sb.AppendLine("| fraction | train labels | runs | AUC | accuracy | balanced accuracy |");
        sb.AppendLine("|---:|---:|---:|---|---|---|");
        foreach (var f in Fractions)
            sb.AppendLine(ci, $"| {f.Fraction:0.###} | {f.TrainCount:0.#} | {f.Runs.Count} | {Format(f.Auc)} | {Format(f.Accuracy)} | {Format(f.BalancedAccuracy)} |");
        sb.AppendLine();
        sb.AppendLine(Fractions.Any(f => f.Interval == IntervalSource.TestSet)
            ? "Mean over runs [95% percentile-bootstrap interval: of the mean over runs; at 100 % labels, where every run trains on the same rows, over resamples of the test set]."
            : "Mean over runs [95% percentile-bootstrap interval of the mean].");
        return sb.ToString();
    }

    /// <summary>"0.912 [0.905, 0.918]", or "n/a" for NaN.</summary>
    public static string Format(MeanInterval m) => double.IsNaN(m.Mean)
        ? "n/a"
        : string.Create(CultureInfo.InvariantCulture, $"{m.Mean:0.000} [{m.Low:0.000}, {m.High:0.000}]");

    internal static string Describe(DataSetInfo d) => string.Create(CultureInfo.InvariantCulture,
        $"`{d.Manifest}`{(d.Split is null ? "" : $" split {d.Split}")}: {d.Rows} rows ({d.NullLabelRows} skipped for a null label, {d.UnreadableImages} unreadable)");
}
