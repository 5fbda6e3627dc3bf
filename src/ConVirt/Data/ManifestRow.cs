namespace ConVirt.Data;

/// <summary>
/// One usable manifest row: an image, its optional report text and metadata.
/// </summary>
/// <param name="Id">The row's identifier, unique within the manifest.</param>
/// <param name="ImagePath">Absolute path of the image file, resolved against the manifest's folder and inside it.</param>
/// <param name="Text">The report text, or null for an image-only row (null, empty or whitespace-only in the file).</param>
/// <param name="Split">The split name (for example <c>train</c>, <c>val</c>, <c>test</c>), or null.</param>
/// <param name="PatientId">The patient (or case) identifier that groups rows, or null.</param>
/// <param name="Labels">Label name to value as invariant-culture strings (numbers 0/1 become "0"/"1"; booleans
/// "true"/"false"); a value is null where the file has null or an empty CSV cell.</param>
/// <param name="Line">1-based line of the row in the manifest file (for CSV: the line where the record starts).</param>
internal sealed record ManifestRow(
    string Id,
    string ImagePath,
    string? Text,
    string? Split,
    string? PatientId,
    IReadOnlyDictionary<string, string?> Labels,
    int Line)
{
    /// <summary>Where the image lies when the row comes from a prepared dataset (<see cref="ImagePath"/> is then the shard); null for a manifest row.</summary>
    public ShardLocation? Shard { get; init; }
}
