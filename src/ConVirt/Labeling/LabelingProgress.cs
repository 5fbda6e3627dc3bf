namespace ConVirt.Labeling;

/// <summary>Progress of <c>ReportLabeler.LabelManifest</c>: rows written and input bytes read of the total.</summary>
public readonly record struct LabelingProgress(long Rows, long BytesRead, long TotalBytes);
