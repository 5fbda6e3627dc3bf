using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate retrieval`: image-to-image and text-to-image precision@k by label.</summary>
internal sealed class EvaluateRetrievalCommand(IAnsiConsole console) : Command<EvaluateRetrievalCommand.Settings>
{
    public sealed class Settings : EncoderSettings
    {
        [CommandOption("--queries <MANIFEST>"), Description("Query images.")] public string? Queries { get; init; }
        [CommandOption("--candidates <MANIFEST>"), Description("Candidate images (a row id in both is excluded from its own ranking).")] public string? Candidates { get; init; }
        [CommandOption("--label <KEY>"), Description("A candidate is relevant when this label equals the query's.")] public string? Label { get; init; }
        [CommandOption("--query-split <S>")] public string? QuerySplit { get; init; }
        [CommandOption("--candidate-split <S>")] public string? CandidateSplit { get; init; }
        [CommandOption("-k|--ks <K>"), Description("Cut-offs, default 5,10,50 (Spectre needs long names of 2+ characters: -k 5,10,50 or --ks 5,10,50).")] public string K { get; init; } = "5,10,50";
        [CommandOption("--text-queries <FILE>"), Description("JSON Lines {\"text\", \"label\"} (ConVIRT runs only).")] public string? TextQueries { get; init; }
        [CommandOption("--out <DIR>"), Description("Writes retrieval.json and retrieval.md.")] public string? Out { get; init; }
        [CommandOption("--sheets <DIR>"), Description("With --text-queries: one contact sheet PNG per text query (top-k images, labels, scores).")] public string? Sheets { get; init; }
        [CommandOption("--per-class <N>"), Description("The paper's k x N set (CheXpert 8x200): N rows per class with exactly one positive among --classes, drawn with --seed; relevance by that class (--label not needed).")] public int PerClass { get; init; }
        [CommandOption("--classes <LIST>"), Description("With --per-class: the observations, comma-separated (labels from convirt label).")] public string? Classes { get; init; }

        protected override ValidationResult ValidateCommand() =>
            string.IsNullOrWhiteSpace(Queries) ? ValidationResult.Error("--queries <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Candidates) ? ValidationResult.Error("--candidates <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Label) && PerClass <= 0 ? ValidationResult.Error("--label <KEY> is required (or --per-class N --classes LIST)")
            : PerClass > 0 && string.IsNullOrWhiteSpace(Classes) ? ValidationResult.Error("--per-class needs --classes LIST")
            : Sheets is not null && TextQueries is null ? ValidationResult.Error("--sheets needs --text-queries (one sheet per text query)")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        s.ApplyThreads();
        var (queries, candidates, label) = PerClassSets.Apply(console, s.Queries!, s.Candidates!, s.Label, s.PerClass, s.Classes, s.Seed);
        var result = EvaluationSeam.Retrieval(new RetrievalEvaluationOptions   // ConVirtEvaluation.Retrieval without its checks: the job's name the options
        {
            Encoder = s.Encoder!, QueryManifest = queries, CandidateManifest = candidates, Label = label!, QuerySplit = s.QuerySplit, CandidateSplit = s.CandidateSplit, ImageRoot = s.ImageRoot,
            Ks = OptionLists.Ints(s.K, "--ks"), TextQueriesFile = s.TextQueries, ContactSheetFolder = s.Sheets, OutputFolder = s.Out, ImageSize = s.ImageSize, Seed = s.Seed,
            Device = s.ComputeDevice, DeviceName = s.Device, Precision = s.ComputePrecision, Backend = s.InferenceBackend,
        }, new ConsoleProgress(console), cancellationToken);
        console.WriteLine(result.Markdown);
        return 0;
    }
}
