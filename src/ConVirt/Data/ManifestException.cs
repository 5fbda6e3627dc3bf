namespace ConVirt.Data;

/// <summary>
/// A manifest that cannot be used at all: missing or unreadable, of an unknown format, a CSV header without the
/// required columns, or no usable row left. Problems with single rows are <see cref="ManifestIssue"/>s instead.
/// </summary>
internal sealed class ManifestException : Exception
{
    /// <summary>Creates the exception for the manifest at <paramref name="manifestPath"/>.</summary>
    public ManifestException(string manifestPath, string message, IReadOnlyList<ManifestIssue>? issues = null, Exception? inner = null)
        : base(message, inner)
    {
        ManifestPath = manifestPath;
        Issues = issues ?? [];
    }

    /// <summary>The manifest path as it was given.</summary>
    public string ManifestPath { get; }

    /// <summary>The row issues found before the manifest was refused (empty when it could not be read).</summary>
    public IReadOnlyList<ManifestIssue> Issues { get; }
}
