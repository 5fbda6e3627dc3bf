namespace ConVirt.Data.Pipeline;

/// <summary>
/// The order in which a streamed epoch visits rows, a pure function of (seed, epoch): shards in a shuffled order,
/// read one after another, through a shuffle buffer of bounded size (each incoming row replaces a uniformly
/// drawn buffered row, which is emitted; the rest is emitted in random order at the end). Rows are named by their
/// canonical id: the shard's offset in the listed order plus the row's position in the shard.
/// Without shuffling, rows come in canonical order.
/// </summary>
internal sealed class StreamOrder
{
    private StreamOrder(int[] shardOrder, int[] emission, int[] emissionOf, int[] streamPositionOf)
    {
        ShardOrder = shardOrder;
        Emission = emission;
        EmissionOf = emissionOf;
        StreamPositionOf = streamPositionOf;
    }

    /// <summary>Shard indices (into the listed shards) in reading order.</summary>
    public IReadOnlyList<int> ShardOrder { get; }

    /// <summary>Canonical row id emitted at each position of the epoch.</summary>
    public int[] Emission { get; }

    /// <summary>Emission position of each canonical row id.</summary>
    public int[] EmissionOf { get; }

    /// <summary>Position in the read stream of each canonical row id.</summary>
    public int[] StreamPositionOf { get; }

    /// <summary>The order of an epoch over shards of <paramref name="shardRows"/> rows each.</summary>
    /// <param name="shardRows">Rows of each listed shard.</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="epoch">Epoch (0-based).</param>
    /// <param name="shuffle">Shuffle shards and rows (training), or keep the canonical order (evaluation).</param>
    /// <param name="bufferSize">Rows held by the shuffle buffer (at most this many images wait in memory).</param>
    public static StreamOrder Create(IReadOnlyList<int> shardRows, int seed, int epoch, bool shuffle, int bufferSize)
    {
        var offsets = new int[shardRows.Count];
        int total = 0;
        for (int s = 0; s < shardRows.Count; s++) { offsets[s] = total; total += shardRows[s]; }
        var shardOrder = Enumerable.Range(0, shardRows.Count).ToArray();
        var rng = DeterministicRandom.Create(seed, epoch, 0x5A4D);
        if (shuffle) rng.Shuffle(shardOrder);
        var emission = new int[total];
        var streamPositionOf = new int[total];
        int emitted = 0, position = 0;
        var buffer = new List<int>(Math.Max(1, Math.Min(bufferSize, total)));
        foreach (int s in shardOrder)
        {
            for (int r = 0; r < shardRows[s]; r++)
            {
                int id = offsets[s] + r;
                streamPositionOf[id] = position++;
                if (!shuffle || bufferSize <= 1) { emission[emitted++] = id; continue; }
                if (buffer.Count < bufferSize) { buffer.Add(id); continue; }
                int j = rng.Next(buffer.Count);
                emission[emitted++] = buffer[j];
                buffer[j] = id;
            }
        }
        var rest = buffer.ToArray();
        rng.Shuffle(rest);
        foreach (int id in rest) emission[emitted++] = id;
        var emissionOf = new int[total];
        for (int i = 0; i < total; i++) emissionOf[emission[i]] = i;
        return new StreamOrder(shardOrder, emission, emissionOf, streamPositionOf);
    }
}
