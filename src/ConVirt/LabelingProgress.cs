namespace ConVirt;

/// <summary>Progress of <see cref="ReportLabeler.LabelManifest"/>: rows written and input bytes read of the total.</summary>
public readonly record struct LabelingProgress(long Rows, long BytesRead, long TotalBytes);
