using ConVirt.Evaluation.Reporting;
using System.ComponentModel;
using ConVirt.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt report`: one markdown report with plots from several evaluation output folders.</summary>
internal sealed class ReportCommand(IAnsiConsole console) : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--runs <DIR>"), Description("Evaluation output folders (repeat the option or separate with commas).")] public string[] Runs { get; init; } = [];
        [CommandOption("--out <DIR>"), Description("Where report.md and its PNGs go.")] public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Runs.Length == 0 ? ValidationResult.Error("--runs <DIR> is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <DIR> is required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var folders = s.Runs.SelectMany(r => r.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var path = EvaluationReport.Write(folders, s.Out!);
        console.WriteLine($"report: {Path.GetFullPath(path)}");
        return 0;
    }
}
