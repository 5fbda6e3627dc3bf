namespace ConVirt.Interop;

/// <summary>
/// A weight file does not fit the target module, or cannot be read. Lists every missing, unexpected and
/// mis-shaped key; nothing is copied into the target when this is thrown.
/// </summary>
internal sealed class WeightLoadException : Exception
{
    private const int Listed = 25;

    /// <summary>Creates the exception for a key/shape mismatch.</summary>
    public WeightLoadException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
        : base(Describe(source, missing, unexpected, misShaped))
    {
        Source = source;
        Missing = missing;
        Unexpected = unexpected;
        MisShaped = misShaped;
    }

    /// <summary>Creates the exception for an unreadable or refused file.</summary>
    public WeightLoadException(string source, string reason, Exception? inner = null) : base($"{source}: {reason}", inner)
    {
        Source = source;
        Missing = [];
        Unexpected = [];
        MisShaped = [];
    }

    /// <summary>The file (or folder) being loaded.</summary>
    public new string Source { get; }
    /// <summary>Keys the target needs that the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }
    /// <summary>Keys in the file the target does not have.</summary>
    public IReadOnlyList<string> Unexpected { get; }
    /// <summary>Keys present on both sides with different shapes, as <c>key: target [..], file [..]</c>.</summary>
    public IReadOnlyList<string> MisShaped { get; }

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misShaped)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} missing: {List(missing)}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected: {List(unexpected)}");
        if (misShaped.Count > 0) parts.Add($"{misShaped.Count} mis-shaped: {List(misShaped)}");
        return $"{source}: weights do not fit the model; {string.Join("; ", parts)}";
    }

    private static string List(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(Listed)) + (keys.Count > Listed ? $", ... ({keys.Count - Listed} more)" : "");
}
