namespace ConVirt.Data.Prepared;

/// <summary>One row of a shard as read: the entries sharing a key.</summary>
/// <param name="Key">The WebDataset key (entry name up to the first dot).</param>
/// <param name="Png">The image bytes, or null when the row has no <c>.png</c> entry (or they were not read).</param>
/// <param name="PngOffset">Where the image bytes start in the shard file (-1 when unknown or absent).</param>
/// <param name="PngLength">Length of the image bytes (0 when absent).</param>
/// <param name="Text">The report (<c>.txt</c>), or null.</param>
/// <param name="Json">The metadata bytes (<c>.json</c>), or null when absent.</param>
internal sealed record ShardSample(string Key, byte[]? Png, long PngOffset, int PngLength, string? Text, byte[]? Json)
{
    /// <summary>Whether the row has an image entry.</summary>
    public bool HasPng => PngLength > 0 || Png is not null;
}
