using System.Collections.Frozen;

namespace ConVirt.Data;

/// <summary>
/// Reads image-text manifests: JSON Lines (<c>.jsonl</c>, <c>.json</c>, <c>.ndjson</c>; one object a line) or CSV
/// (<c>.csv</c>; a header row, RFC 4180 quoting). Fields: <c>id</c>, <c>image</c> (relative to the manifest's
/// folder), <c>text</c>, <c>split</c>, <c>patient_id</c>, <c>labels</c> (CSV: columns <c>labels.KEY</c> or
/// <c>label_KEY</c>); see the data README for the schema.
/// </summary>
/// <remarks>
/// A bad row never stops loading: it becomes a <see cref="ManifestIssue"/> naming file, line and field, and the
/// row is skipped (malformed line, invalid UTF-8, missing id or image, non-string text, duplicate id, image path
/// outside the manifest's folder, missing or empty image file) or kept with a warning (unknown field, once per
/// name; unusable label values). Blank lines are ignored. Symbolic links inside the folder are not followed for
/// the containment check.
/// </remarks>
internal static class Manifest
{
    /// <summary>The fields a row is built from.</summary>
    public static readonly FrozenSet<string> RowFields =
        FrozenSet.Create(StringComparer.Ordinal, "id", "image", "text", "split", "patient_id", "labels");

    /// <summary>Metadata fields that are accepted silently (kept in the file for provenance, not loaded).</summary>
    public static readonly FrozenSet<string> MetadataFields = FrozenSet.Create(StringComparer.Ordinal,
        "view", "modality", "license", "source_url", "source_repo", "source_commit", "source_file", "sex", "age");

    /// <summary>
    /// Loads the manifest at <paramref name="path"/>.
    /// </summary>
    /// <returns>The usable rows, in file order, and every issue found.</returns>
    /// <exception cref="ManifestException">The file is missing or unreadable, its extension is not a manifest
    /// format, a CSV header lacks <c>id</c> or <c>image</c>, or no usable row remains (the message gives the
    /// summary; <see cref="ManifestException.Issues"/> the details).</exception>
    public static ManifestLoadResult Load(string path, ManifestOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new ManifestOptions();
        if (!File.Exists(path))
            throw new ManifestException(path, $"manifest not found: {path}");

        string extension = Path.GetExtension(path).ToLowerInvariant();
        bool isCsv = extension == ".csv";
        if (!isCsv && extension is not (".jsonl" or ".json" or ".ndjson"))
            throw new ManifestException(path, $"{path}: unknown manifest format '{extension}' (expected .jsonl, .json or .csv)");

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException(path, $"{path}: cannot read manifest ({e.Message})", inner: e);
        }

        var collector = new ManifestCollector(path, options);
        if (isCsv)
            ManifestCsvReader.Read(path, bytes, collector);
        else
            ManifestJsonLinesReader.Read(bytes, collector);
        var result = collector.ToResult();

        if (result.Rows.Count == 0)
        {
            string why = options.Split is { } split && result.OutsideSplit > 0 && result.Skipped == 0
                ? $"no row has split '{split}'"
                : "no usable rows";
            throw new ManifestException(path, $"{path}: {why} ({result.Summary()})", result.Issues);
        }
        return result;
    }
}
