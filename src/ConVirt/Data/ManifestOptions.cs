namespace ConVirt.Data;

/// <summary>Which manifest rows <see cref="Manifest.Load"/> keeps and how much it checks.</summary>
/// <param name="Split">Keep only rows whose split equals this (ordinal comparison); null keeps every split.
/// Rows of other splits are counted in <see cref="ManifestLoadResult.OutsideSplit"/>, not reported as issues.</param>
/// <param name="RequireText">Skip rows without text with the issue <c>no text (image-only row)</c>; for paired
/// image-text pretraining.</param>
/// <param name="CheckImageFiles">Skip rows whose image file is missing or empty (one file-system lookup per row).</param>
internal sealed record ManifestOptions(string? Split = null, bool RequireText = false, bool CheckImageFiles = true)
{
    /// <summary>The folder relative image paths resolve against (<c>--image-root</c>); null: the manifest's folder.
    /// Absolute image paths are taken as they are.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>Skip rows whose image path leaves the image root (the manifest's folder or <see cref="ImageRoot"/>),
    /// absolute paths included, with the issue <c>path resolves outside ...</c>. Off by default: the person who
    /// runs a command chose the manifest. Turn it on where an outsider chooses the paths.</summary>
    public bool ConfineToImageRoot { get; init; }

    /// <summary>Skip rows without an image path (<c>missing or empty image path</c>). Off for the text-only verbs
    /// (<c>convirt embed --modality text</c>), which keep such rows and never read images
    /// (their <see cref="ManifestRow.ImagePath"/> is then empty).</summary>
    public bool RequireImage { get; init; } = true;
}
