using System.ComponentModel;
using ConVirt.Labeling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt label`: adds rule-based report labels (CheXpert or ChestX-ray14 scheme, or a scheme file) to a manifest.</summary>
public sealed class LabelCommand(IAnsiConsole console) : Command<LabelCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <MANIFEST>"), Description("Manifest to label: JSON Lines, or CSV when the name ends in .csv.")] public string? Data { get; init; }
        [CommandOption("--scheme <S>"), Description("chexpert, chestxray14, or a scheme file (format in docs/labeling.md).")] public string Scheme { get; init; } = "chexpert";
        [CommandOption("--out <FILE>"), Description("The labelled manifest to write (same format as the input).")] public string? Out { get; init; }
        [CommandOption("--uncertain <U>"), Description("keep (-1, default), positive (1) or negative (0): what uncertain mentions become.")] public string Uncertain { get; init; } = "keep";
        [CommandOption("--text-column <NAME>"), Description("The field or column holding the report (default text).")] public string TextColumn { get; init; } = "text";
        [CommandOption("--no-negation"), Description("Ablation: ignore negation (every mention positive or uncertain).")] public bool NoNegation { get; init; }
        [CommandOption("--print-scheme"), Description("Print a shipped scheme's file (to copy and edit) and exit.")] public bool PrintScheme { get; init; }

        public override ValidationResult Validate() =>
            PrintScheme ? (Scheme is "chexpert" or "chestxray14" ? ValidationResult.Success() : ValidationResult.Error("--print-scheme needs --scheme chexpert or chestxray14"))
            : string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <FILE> is required")
            : Uncertain is not ("keep" or "positive" or "negative") ? ValidationResult.Error($"--uncertain: '{Uncertain}' is not keep, positive or negative")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.PrintScheme)
        {
            console.Profile.Out.Writer.Write(EmbeddedSchemes.Text(s.Scheme));
            return 0;
        }
        var options = new ReportLabelerOptions
        {
            Uncertain = s.Uncertain switch { "positive" => UncertainLabels.Positive, "negative" => UncertainLabels.Negative, _ => UncertainLabels.Keep },
            Negation = !s.NoNegation,
            TextColumn = s.TextColumn,
        };
        var labeler = CreateLabeler(s.Scheme, options);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = labeler.LabelManifest(s.Data!, s.Out!, null, cancellationToken);
        double seconds = started.Elapsed.TotalSeconds;
        console.MarkupLineInterpolated($"[green]{result.Rows}[/] rows written to {s.Out} (scheme {labeler.SchemeName}): {result.Labelled} labelled, {result.EmptyReports} empty reports (all keys absent), {result.MissingText} without a report in '{s.TextColumn}', {result.SkippedRows} skipped; {seconds:F1} s.");
        var table = new Table().AddColumns("label", "1", "0", "-1", "absent");
        foreach (var c in result.Counts)
            table.AddRow(c.Key, c.Positive.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Negative.ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.Uncertain.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Absent.ToString(System.Globalization.CultureInfo.InvariantCulture));
        console.Write(table);
        foreach (var issue in result.Issues) console.MarkupLineInterpolated($"[yellow]skipped:[/] {issue}");
        if (result.SkippedRows > result.Issues.Count) console.MarkupLineInterpolated($"[yellow]... and {result.SkippedRows - result.Issues.Count} more skipped rows[/]");
        return 0;
    }

    /// <summary>A shipped scheme by name (chexpert, chestxray14), else a scheme file.</summary>
    internal static ReportLabeler CreateLabeler(string scheme, ReportLabelerOptions options) => scheme switch
    {
        "chexpert" => ReportLabeler.FromScheme(LabelScheme.Chexpert, options),
        "chestxray14" => ReportLabeler.FromScheme(LabelScheme.ChestXray14, options),
        _ => ReportLabeler.Load(scheme, options),
    };
}
