using System.ComponentModel;
using System.Text.Json;
using ConVirt.Evaluation;
using ConVirt.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate labels`: agreement of labels written by `convirt label` with a gold standard (P/R/F1 per class, micro, macro, 95 % intervals).</summary>
public sealed class EvaluateLabelsCommand(IAnsiConsole console) : Command<EvaluateLabelsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--labels <MANIFEST>"), Description("JSON Lines written by convirt label.")] public string? Labels { get; init; }
        [CommandOption("--gold <MANIFEST>"), Description("JSON Lines with gold labels (0/1) under 'labels'; rows without labels are ignored; matched by id.")] public string? Gold { get; init; }
        [CommandOption("--alias <LIST>"), Description("Gold key = predicted key pairs, e.g. normal=no-finding.")] public string? Alias { get; init; }
        [CommandOption("--uncertain-positive"), Description("Count -1 as positive (default: as negative, as gold standards that mark uncertain mentions 0).")] public bool UncertainPositive { get; init; }
        [CommandOption("--resamples <N>"), Description("Bootstrap resamples over reports (default 1000).")] public int Resamples { get; init; } = 1000;
        [CommandOption("--seed <N>")] public int Seed { get; init; }
        [CommandOption("--out <DIR>"), Description("Writes labels.md and labels.json.")] public string? Out { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Labels) ? ValidationResult.Error("--labels <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Gold) ? ValidationResult.Error("--gold <MANIFEST> is required")
            : Resamples < 1 ? ValidationResult.Error($"--resamples: {Resamples} must be at least 1")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (s.Alias ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0) throw new ArgumentException($"--alias: '{pair}' is not GOLD=PREDICTED");
            aliases[parts[0]] = parts[1];
        }
        var result = LabelAgreement.Compute(s.Labels!, s.Gold!, aliases, s.UncertainPositive, s.Resamples, s.Seed, cancellationToken);
        string markdown = result.ToMarkdown();
        console.Profile.Out.Writer.Write(markdown); // raw: Spectre would wrap the table at the terminal width
        if (result.PredictedRowsWithoutGold > 0 || result.GoldRowsNotPredicted > 0)
            console.MarkupLineInterpolated($"[grey]{result.PredictedRowsWithoutGold} labelled rows have no gold labels; {result.GoldRowsNotPredicted} gold rows were not in --labels.[/]");
        if (s.Out is not null)
        {
            AtomicFile.WriteAllText(Path.Combine(s.Out, "labels.md"), markdown);
            AtomicFile.WriteAllText(Path.Combine(s.Out, "labels.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        }
        return 0;
    }
}
