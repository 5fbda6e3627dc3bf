namespace ConVirt.Data;

/// <summary>
/// A problem found while loading a manifest, located by file, line and field. Messages never quote report text.
/// </summary>
/// <param name="File">The manifest path as it was given to <see cref="Manifest.Load"/>.</param>
/// <param name="Line">1-based line in the manifest (for CSV: where the record starts; the header is line 1).</param>
/// <param name="Field">The field or column concerned (label fields as <c>labels.KEY</c>), or null when the problem
/// concerns the whole line (malformed JSON, a CSV record with the wrong number of fields).</param>
/// <param name="Message">What is wrong, for people; for example <c>file not found (images/x.png)</c>.</param>
/// <param name="Kind">Whether the row was skipped or kept with a warning.</param>
/// <param name="Reason">A short category for counting, for example <c>file not found</c> or <c>no text</c>.</param>
internal sealed record ManifestIssue(string File, int Line, string? Field, string Message, IssueKind Kind, string Reason)
{
    /// <summary>Compiler-style location and message: <c>manifest.jsonl:12: field 'image': file not found (images/x.png)</c>.</summary>
    public override string ToString() =>
        Field is null ? $"{File}:{Line}: {Message}" : $"{File}:{Line}: field '{Field}': {Message}";
}
