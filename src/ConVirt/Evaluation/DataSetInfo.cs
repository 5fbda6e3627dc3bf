namespace ConVirt.Evaluation;

/// <summary>Which rows of a manifest an evaluation used.</summary>
/// <param name="Manifest">Manifest path.</param>
/// <param name="Split">Split used, or null (all rows).</param>
/// <param name="Rows">Rows evaluated (label present, image readable).</param>
/// <param name="NullLabelRows">Rows skipped because the label was null or missing.</param>
/// <param name="UnreadableImages">Rows skipped because the image could not be decoded.</param>
internal sealed record DataSetInfo(string Manifest, string? Split, int Rows, int NullLabelRows, int UnreadableImages);
