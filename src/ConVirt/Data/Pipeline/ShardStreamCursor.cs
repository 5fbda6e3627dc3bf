using ConVirt.Data.Prepared;

namespace ConVirt.Data.Pipeline;

/// <summary>
/// Reads the shards of one epoch sequentially in <see cref="StreamOrder.ShardOrder"/> and hands out rows by canonical
/// id. Rows read before they are asked for wait in memory (at most about the shuffle buffer plus the batches in
/// flight, when batches are asked for in order). Shards whose rows all come before the first batch asked for (a
/// resumed epoch) are not opened. Every shard read to its end is checked against its SHA-256 in dataset.json.
/// Thread-safe (one reader at a time).
/// </summary>
internal sealed class ShardStreamCursor : IDisposable
{
    private readonly IReadOnlyList<ShardInfo> shards;
    private readonly Func<ShardInfo, string> pathOf;
    private readonly StreamOrder order;
    private readonly int[] offsets;
    private readonly int[] lastEmission;   // per listed shard: the latest emission position of its rows
    private readonly Dictionary<int, ShardSample> held = [];
    private readonly object gate = new();
    private ShardReader? reader;
    private int shardPosition;             // index into order.ShardOrder of the shard being read (or next)
    private int rowInShard;
    private int streamPosition;
    private int keepFrom;
    private string? lastKey;
    private readonly Action<string> report;

    public ShardStreamCursor(IReadOnlyList<ShardInfo> shards, Func<ShardInfo, string> pathOf, StreamOrder order, Action<string> report)
    {
        this.report = report;
        this.shards = shards;
        this.pathOf = pathOf;
        this.order = order;
        offsets = new int[shards.Count];
        lastEmission = new int[shards.Count];
        for (int s = 0, total = 0; s < shards.Count; s++)
        {
            offsets[s] = total;
            int last = -1;
            for (int r = 0; r < shards[s].Rows; r++) last = Math.Max(last, order.EmissionOf[total + r]);
            lastEmission[s] = last;
            total += shards[s].Rows;
        }
    }

    /// <summary>Rows waiting in memory.</summary>
    public int Held { get { lock (gate) return held.Count; } }

    /// <summary>The samples of <paramref name="ids"/> (canonical ids), in that order; <paramref name="firstEmission"/> is the
    /// emission position of the batch (rows emitted before it are not kept when the stream has to be read again).</summary>
    public ShardSample[] Fetch(int[] ids, int firstEmission)
    {
        lock (gate)
        {
            foreach (int id in ids)
                if (!held.ContainsKey(id) && order.StreamPositionOf[id] < streamPosition) { Restart(firstEmission); break; }
            foreach (int id in ids)
                while (!held.ContainsKey(id)) ReadOne();
            var result = new ShardSample[ids.Length];
            for (int i = 0; i < ids.Length; i++) { result[i] = held[ids[i]]; held.Remove(ids[i]); }
            return result;
        }
    }

    private void Restart(int firstEmission)
    {
        reader?.Dispose();
        reader = null;
        held.Clear();
        shardPosition = rowInShard = streamPosition = 0;
        keepFrom = firstEmission;
    }

    private void ReadOne()
    {
        if (reader is null)
        {
            // skip whole shards that hold nothing still to come
            while (shardPosition < shards.Count && lastEmission[order.ShardOrder[shardPosition]] < keepFrom)
                streamPosition += shards[order.ShardOrder[shardPosition++]].Rows;
            if (shardPosition >= shards.Count) throw new InvalidOperationException("the stream ended before every row of the epoch was read");
            reader = new ShardReader(pathOf(shards[order.ShardOrder[shardPosition]]), readImages: true);
            rowInShard = 0;
        }
        int s = order.ShardOrder[shardPosition];
        var shard = shards[s];
        string path = pathOf(shard);
        ShardSample? sample;
        try
        {
            sample = reader.Next();
        }
        catch (PreparedDatasetException e)
        {
            // a damaged tar: what is left of the shard comes out as rows without an image (counted skips)
            report($"{e.Message} after key {lastKey ?? "(none)"}; its remaining {shard.Rows - rowInShard} rows are skipped");
            EndShard(s, shard, checkHash: false);
            return;
        }
        if (sample is null) { EndShard(s, shard, checkHash: true); return; }
        if (rowInShard >= shard.Rows)
        {
            report($"{path}: more rows than the {shard.Rows} {PreparedDatasetInfo.FileName} records (key {sample.Key} and after ignored); the shard is from another run (convirt prepare --verify)");
            EndShard(s, shard, checkHash: false);
            return;
        }
        lastKey = sample.Key;
        Keep(offsets[s] + rowInShard, sample);
        rowInShard++;
        streamPosition++;
        if (rowInShard == shard.Rows) FinishShard(s, shard);
    }

    /// <summary>After the last recorded row: confirms the archive ends there and checks the hash, closing the file now.</summary>
    private void FinishShard(int s, ShardInfo shard)
    {
        ShardSample? extra;
        try { extra = reader!.Next(); }
        catch (PreparedDatasetException e)
        {
            report($"{e.Message} after key {lastKey ?? "(none)"}");
            EndShard(s, shard, checkHash: false);
            return;
        }
        if (extra is not null)
            report($"{pathOf(shard)}: more rows than the {shard.Rows} {PreparedDatasetInfo.FileName} records (key {extra.Key} and after ignored); the shard is from another run (convirt prepare --verify)");
        EndShard(s, shard, checkHash: extra is null);
    }

    private void EndShard(int s, ShardInfo shard, bool checkHash)
    {
        string path = pathOf(shard);
        string? sha = checkHash ? reader!.FileSha256() : null;
        reader!.Dispose();
        reader = null;
        if (checkHash && sha != shard.Sha256)
            report($"{path}: SHA-256 does not match {PreparedDatasetInfo.FileName}: the shard changed after prepare (rows that failed to decode were skipped); check it with convirt prepare --verify");
        if (rowInShard < shard.Rows && checkHash)
            report($"{path}: {rowInShard} rows, {PreparedDatasetInfo.FileName} records {shard.Rows}; the missing rows are skipped");
        for (; rowInShard < shard.Rows; rowInShard++, streamPosition++)
            Keep(offsets[s] + rowInShard, new ShardSample($"(row {rowInShard + 1} of {shard.Name})", null, -1, 0, null, null));
        shardPosition++;
        lastKey = null;
    }

    private void Keep(int id, ShardSample sample)
    {
        if (order.EmissionOf[id] >= keepFrom) held[id] = sample;
    }

    public void Dispose()
    {
        lock (gate)
        {
            reader?.Dispose();
            reader = null;
            held.Clear();
        }
    }
}
