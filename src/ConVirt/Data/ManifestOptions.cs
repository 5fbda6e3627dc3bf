namespace ConVirt.Data;

/// <summary>Which manifest rows <see cref="Manifest.Load"/> keeps and how much it checks.</summary>
/// <param name="Split">Keep only rows whose split equals this (ordinal comparison); null keeps every split.
/// Rows of other splits are counted in <see cref="ManifestLoadResult.OutsideSplit"/>, not reported as issues.</param>
/// <param name="RequireText">Skip rows without text with the issue <c>no text (image-only row)</c>; for paired
/// image-text pretraining.</param>
/// <param name="CheckImageFiles">Skip rows whose image file is missing or empty (one file-system lookup per row).</param>
public sealed record ManifestOptions(string? Split = null, bool RequireText = false, bool CheckImageFiles = true);
