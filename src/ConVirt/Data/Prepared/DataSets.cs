
namespace ConVirt.Data.Prepared;

/// <summary>The rows of what a user names as data: a manifest (JSON Lines, CSV) or a prepared dataset (its folder or its dataset.json).</summary>
internal static class DataSets
{
    /// <summary>Whether <paramref name="path"/> names a prepared dataset (a folder holding dataset.json, or a dataset.json).</summary>
    public static bool IsPrepared(string path) => PreparedDataset.IsPrepared(path);

    /// <summary>Loads the rows of a manifest, or of every shard of a prepared dataset (metadata only: images stay in the shards).</summary>
    public static ManifestLoadResult Load(string path, ManifestOptions? options = null)
    {
        if (!IsPrepared(path)) return Manifest.Load(path, options);
        try
        {
            return PreparedDataset.Open(path).LoadRows(options?.Split, options?.RequireText ?? false);
        }
        catch (PreparedDatasetException e)
        {
            throw new ManifestException(path, e.Message, inner: e);
        }
    }
}
