namespace ConVirt.Training;

/// <summary>Where the pairs come from.</summary>
/// <param name="TrainManifest">Manifest of training rows (JSON Lines or CSV); several manifests separated by commas are
/// read in order and their rows concatenated (e.g. chest X-ray pairs plus MedPix captions).</param>
/// <param name="ValidationManifest">Manifest(s) of validation rows (commas as for <paramref name="TrainManifest"/>); null = the
/// <paramref name="ValidationSplit"/> rows of the training manifests, if any.</param>
/// <param name="TrainSplit">When rows carry a split, train on this one (null = all rows).</param>
/// <param name="ValidationSplit">Split used for validation when no validation manifest is given.</param>
/// <param name="PairedOnly">Image-only methods (SimCLR, MoCo v2) use only rows that have text, so they see the same images
/// as a ConVIRT run on the same manifests. ConVIRT always needs text.</param>
/// <param name="ImageRoot">Folder that relative image paths of every manifest resolve against (<c>--image-root</c>);
/// null: each manifest's own folder.</param>
internal sealed record PretrainingInputs(string TrainManifest, string? ValidationManifest = null, string? TrainSplit = "train", string? ValidationSplit = "val",
    bool PairedOnly = false, string? ImageRoot = null)
{
    /// <summary>The manifest paths of a comma-separated list (empty entries dropped).</summary>
    public static IReadOnlyList<string> Paths(string manifests) =>
        manifests.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
