namespace ConVirt.Data.Archive;

/// <summary>Options of <see cref="ArchiveManifestBuilder"/> (<c>convirt manifest</c>).</summary>
/// <param name="DicomFolder">The folder tree to walk (every file is looked at; DICOM files are found by content).</param>
/// <param name="ReportsCsv">The report table.</param>
/// <param name="OutputManifest">The JSON Lines manifest to write (image paths relative to its folder).</param>
/// <param name="Salt">The secret of the keyed pseudonyms.</param>
/// <param name="Key">Which header value joins an image to its report.</param>
/// <param name="KeyColumn">The report table's column holding that value.</param>
/// <param name="TextColumn">The report table's column holding the report.</param>
/// <param name="Views">View Position values to keep (case-insensitive); empty keeps all.</param>
/// <param name="ValFraction">Share of patients in val.</param>
/// <param name="TestFraction">Share of patients in test.</param>
internal sealed record ArchiveManifestOptions(
    string DicomFolder,
    string ReportsCsv,
    string OutputManifest,
    string Salt,
    ReportKey Key = ReportKey.Accession,
    string KeyColumn = "accession",
    string TextColumn = "report",
    IReadOnlyList<string>? Views = null,
    double ValFraction = 0.1,
    double TestFraction = 0.1);

/// <summary>What <see cref="ArchiveManifestBuilder"/> wrote and skipped.</summary>
/// <param name="Rows">Rows written.</param>
/// <param name="PerSplit">Rows per split.</param>
/// <param name="Patients">Distinct patients written.</param>
/// <param name="FilesSeen">Files looked at.</param>
/// <param name="Skipped">Skip counts by reason ("not DICOM", "unreadable", "no report", "unwanted view", ...).</param>
/// <param name="Examples">Up to 20 skipped files per reason as <c>relative/path: why</c> (no header values).</param>
/// <param name="ReportIssues">Rows of the report table that were not taken.</param>
/// <param name="ReportsUnused">Reports that no image matched.</param>
internal sealed record ArchiveManifestResult(
    int Rows,
    IReadOnlyDictionary<string, int> PerSplit,
    int Patients,
    int FilesSeen,
    IReadOnlyDictionary<string, int> Skipped,
    IReadOnlyList<string> Examples,
    IReadOnlyList<string> ReportIssues,
    int ReportsUnused);
