namespace ConVirt.Data.Prepared;

/// <summary>A prepared dataset or one of its shards cannot be used; the message names the file (and the row key where there is one).</summary>
internal sealed class PreparedDatasetException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> (the dataset.json or a shard).</summary>
    public PreparedDatasetException(string path, string message, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The file concerned.</summary>
    public string Path { get; }
}
