namespace ConVirt.Data;

/// <summary>
/// A manifest row as a format reader parsed it, before the checks that all formats share
/// (<see cref="ManifestCollector"/>). Strings are as written in the file.
/// </summary>
internal sealed record ManifestRawRow(
    int Line,
    string? Id,
    string? Image,
    string? Text,
    string? Split,
    string? PatientId,
    IReadOnlyDictionary<string, string?> Labels);
