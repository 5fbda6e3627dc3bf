using System.ComponentModel;
using ConVirt.Data.Archive;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt manifest`: a manifest from a DICOM folder tree and a report table, identifiers pseudonymised.</summary>
internal sealed class ManifestCommand(IAnsiConsole console) : Command<ManifestCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--dicom <DIR>"), Description("The DICOM folder tree (files are recognised by content; any name).")] public string? Dicom { get; init; }
        [CommandOption("--reports <CSV>"), Description("Report table: a header row, one row per study.")] public string? Reports { get; init; }
        [CommandOption("--out <MANIFEST>"), Description("The JSON Lines manifest to write, in the DICOM folder or a folder above it.")] public string? Out { get; init; }
        [CommandOption("--key <K>"), Description("accession (default) or study-uid: the header value that joins an image to its report.")] public string Key { get; init; } = "accession";
        [CommandOption("--key-column <NAME>"), Description("The CSV column of that value (default: accession, or study_uid with --key study-uid).")] public string? KeyColumn { get; init; }
        [CommandOption("--text-column <NAME>"), Description("The CSV column of the report (default report).")] public string TextColumn { get; init; } = "report";
        [CommandOption("--views <LIST>"), Description("View Position values to keep, e.g. PA,AP (default: all).")] public string? Views { get; init; }
        [CommandOption("--salt <SECRET>"), Description("Secret of the keyed pseudonyms (or --salt-file, or CONVIRT_SALT); keep it apart from the manifest.")] public string? Salt { get; init; }
        [CommandOption("--salt-file <FILE>"), Description("File holding the salt (first line).")] public string? SaltFile { get; init; }
        [CommandOption("--val-fraction <F>"), Description("Share of patients in val (default 0.1).")] public double ValFraction { get; init; } = 0.1;
        [CommandOption("--test-fraction <F>"), Description("Share of patients in test (default 0.1).")] public double TestFraction { get; init; } = 0.1;
        [CommandOption("--label <S>"), Description("Also label each report: chexpert, chestxray14 or a scheme file (docs/labeling.md); labels under 'labels'.")] public string? Label { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Dicom) ? ValidationResult.Error("--dicom <DIR> is required")
            : string.IsNullOrWhiteSpace(Reports) ? ValidationResult.Error("--reports <CSV> is required")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <MANIFEST> is required")
            : Key is not ("accession" or "study-uid") ? ValidationResult.Error($"--key '{Key}' is not one of accession, study-uid")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        string salt = s.Salt ?? (s.SaltFile is not null ? File.ReadLines(s.SaltFile).FirstOrDefault()?.Trim() : null)
            ?? Environment.GetEnvironmentVariable("CONVIRT_SALT")
            ?? throw new ArgumentException("a salt is required: --salt SECRET, --salt-file FILE or CONVIRT_SALT (pseudonyms without a secret could be looked up)");
        var key = s.Key == "accession" ? ReportKey.Accession : ReportKey.StudyUid;
        var options = new ArchiveManifestOptions(s.Dicom!, s.Reports!, s.Out!, salt, key,
            s.KeyColumn ?? (key == ReportKey.Accession ? "accession" : "study_uid"), s.TextColumn,
            s.Views?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), s.ValFraction, s.TestFraction);
        var result = ArchiveManifestBuilder.Build(options, DicomArchiveFacts.Read);
        console.WriteLine($"wrote {result.Rows} rows ({string.Join(", ", result.PerSplit.Select(p => $"{p.Key} {p.Value}"))}) of {result.Patients} patients to {s.Out}");
        console.WriteLine($"looked at {result.FilesSeen} files; skipped: {(result.Skipped.Count == 0 ? "none" : string.Join(", ", result.Skipped.Select(p => $"{p.Value} {p.Key}")))}");
        foreach (var e in result.Examples) console.WriteLine($"  {e}");
        if (result.ReportIssues.Count > 0)
        {
            console.WriteLine($"report table: {result.ReportIssues.Count} rows not taken");
            foreach (var i in result.ReportIssues.Take(20)) console.WriteLine($"  {i}");
        }
        if (result.ReportsUnused > 0) console.WriteLine($"{result.ReportsUnused} reports matched no image");
        if (s.Label is not null)
        {
            // label the written manifest into a temporary file, then replace it in one rename
            var labeler = LabelCommand.CreateLabeler(s.Label, new ReportLabelerOptions());
            string labelled = s.Out! + ".labels.tmp";
            var labels = labeler.LabelManifest(s.Out!, labelled, null, cancellationToken);
            File.Move(labelled, s.Out!, overwrite: true);
            console.WriteLine($"labelled {labels.Labelled} reports with the {labeler.SchemeName} scheme ({labels.EmptyReports} empty): "
                + string.Join(", ", labels.Counts.Where(c => c.Positive > 0).Select(c => $"{c.Key} {c.Positive}")));
        }
        return 0;
    }
}
