using ConVirt.Data.Prepared;

namespace ConVirt.Fuzz;

/// <summary>
/// <see cref="ShardReader"/> over a tar shard (headers, sizes, padding, member names, png/txt/json grouping), then
/// the shard's PNG through <see cref="ShardImageCodec.TryDecode"/>. Documented error: <see cref="PreparedDatasetException"/>.
/// </summary>
internal sealed class ShardTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "tar-shard";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        using var reader = new ShardReader(Scratch.Write(data, ".tar"), readImages: true);
        int samples = 0;
        while (reader.Next() is { } sample)
        {
            Require(++samples <= data.Length / 512 + 1, "more samples than tar blocks");
            Require(!string.IsNullOrEmpty(sample.Key), "a sample without a key");
            if (sample.Png is { } png && ShardImageCodec.TryDecode(png, out var image, out _))
                RequireImage(image);
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is PreparedDatasetException;
}
