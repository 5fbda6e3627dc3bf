namespace ConVirt.Training;

/// <summary>Where the pairs come from.</summary>
/// <param name="TrainManifest">Manifest of training rows (JSON Lines or CSV).</param>
/// <param name="ValidationManifest">Manifest of validation rows; null = the <paramref name="ValidationSplit"/> rows of the training manifest, if any.</param>
/// <param name="TrainSplit">When rows carry a split, train on this one (null = all rows).</param>
/// <param name="ValidationSplit">Split used for validation when no validation manifest is given.</param>
public sealed record PretrainingInputs(string TrainManifest, string? ValidationManifest = null, string? TrainSplit = "train", string? ValidationSplit = "val");
