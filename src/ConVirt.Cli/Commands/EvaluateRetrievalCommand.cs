using System.ComponentModel;
using ConVirt.Evaluation;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt evaluate retrieval`: image-to-image and text-to-image precision@k by label.</summary>
internal sealed class EvaluateRetrievalCommand(IAnsiConsole console) : Command<EvaluateRetrievalCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--encoder <E>"), Description("Run folder, checkpoint, random or imagenet.")] public string? Encoder { get; init; }
        [CommandOption("--queries <MANIFEST>"), Description("Query images.")] public string? Queries { get; init; }
        [CommandOption("--candidates <MANIFEST>"), Description("Candidate images (a row id in both is excluded from its own ranking).")] public string? Candidates { get; init; }
        [CommandOption("--label <KEY>"), Description("A candidate is relevant when this label equals the query's.")] public string? Label { get; init; }
        [CommandOption("--query-split <S>")] public string? QuerySplit { get; init; }
        [CommandOption("--candidate-split <S>")] public string? CandidateSplit { get; init; }
        [CommandOption("-k|--ks <K>"), Description("Cut-offs, default 5,10,50 (Spectre needs long names of 2+ characters: -k 5,10,50 or --ks 5,10,50).")] public string K { get; init; } = "5,10,50";
        [CommandOption("--text-queries <FILE>"), Description("JSON Lines {\"text\", \"label\"} (ConVIRT runs only).")] public string? TextQueries { get; init; }
        [CommandOption("--out <DIR>"), Description("Writes retrieval.json and retrieval.md.")] public string? Out { get; init; }
        [CommandOption("--sheets <DIR>"), Description("With --text-queries: one contact sheet PNG per text query (top-k images, labels, scores).")] public string? Sheets { get; init; }
        [CommandOption("--image-size <PX>")] public int ImageSize { get; init; } = 224;
        [CommandOption("--seed <N>")] public int Seed { get; init; }
        [CommandOption("--device <D>")] public string Device { get; init; } = "cpu";
        [CommandOption("--precision <P>"), Description("fp32 (default), bf16 or auto (bf16 where the hardware computes it natively; convirt info says what auto picks).")] public string Precision { get; init; } = "fp32";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Encoder) ? ValidationResult.Error("--encoder <E> is required")
            : string.IsNullOrWhiteSpace(Queries) ? ValidationResult.Error("--queries <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Candidates) ? ValidationResult.Error("--candidates <MANIFEST> is required")
            : string.IsNullOrWhiteSpace(Label) ? ValidationResult.Error("--label <KEY> is required")
            : Sheets is not null && TextQueries is null ? ValidationResult.Error("--sheets needs --text-queries (one sheet per text query)")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = s.Encoder!, Queries = s.Queries!, Candidates = s.Candidates!, Label = s.Label!, QuerySplit = s.QuerySplit, CandidateSplit = s.CandidateSplit,
            Ks = OptionLists.Ints(s.K, "--ks"), TextQueries = s.TextQueries, Sheets = s.Sheets, Out = s.Out, ImageSize = s.ImageSize, Seed = s.Seed, Device = s.Device, Precision = PrecisionPolicy.ParseMode(s.Precision),
        }, new ConsoleProgress(console));
        console.WriteLine(result.ToMarkdown());
        return 0;
    }
}
