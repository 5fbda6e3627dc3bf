namespace ConVirt.Labeling;

/// <summary>The outcome of labeling a manifest.</summary>
/// <param name="Rows">Rows written (labelled or passed through).</param>
/// <param name="Labelled">Rows whose report had words to read.</param>
/// <param name="EmptyReports">Rows whose report was empty, whitespace only or had only skipped sections: all keys absent.</param>
/// <param name="MissingText">Rows without the text column (or with a non-text value there): written unchanged.</param>
/// <param name="SkippedRows">Input lines that were not a valid row (malformed JSON or CSV): not written, described in <paramref name="Issues"/>.</param>
/// <param name="Counts">Per label key, how many reports got each value.</param>
/// <param name="Issues">One line per skipped row, naming the file, line and field, never the report's text (at most 100; the count is in <paramref name="SkippedRows"/>).</param>
public sealed record LabelingResult(long Rows, long Labelled, long EmptyReports, long MissingText, long SkippedRows,
    IReadOnlyList<LabelCount> Counts, IReadOnlyList<string> Issues);
