namespace ConVirt.Data.Pipeline;

/// <summary>
/// Splits an epoch into batches so that no batch holds two examples with the same (patient, text) key:
/// one clinical note shared by several images of a patient would otherwise make the same sentence a
/// "negative" of itself. A conflicting example is deferred to the next batch that has room for it.
/// </summary>
internal static class BatchPlanner
{
    /// <summary>
    /// Batches of <paramref name="batchSize"/> over <paramref name="order"/> (row indices), never repeating a
    /// key within a batch; the last batch may be smaller and is dropped when it has fewer than
    /// <paramref name="minBatch"/> examples.
    /// </summary>
    public static List<int[]> Plan(IReadOnlyList<int> order, Func<int, string?> key, int batchSize, int minBatch = 2)
    {
        var batches = new List<int[]>();
        var pending = new List<int>();            // deferred examples, tried first for the next batch
        int next = 0;
        while (next < order.Count || pending.Count > 0)
        {
            var batch = new List<int>(batchSize);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            bool TryAdd(int row)
            {
                var k = key(row);
                if (k is not null && !keys.Add(k)) return false;
                batch.Add(row);
                return true;
            }
            var stillPending = new List<int>();
            foreach (var row in pending)
                if (batch.Count >= batchSize || !TryAdd(row)) stillPending.Add(row);
            pending = stillPending;
            while (batch.Count < batchSize && next < order.Count)
            {
                int row = order[next++];
                if (!TryAdd(row)) pending.Add(row);
            }
            if (batch.Count == 0) break;
            batches.Add(batch.ToArray());
        }
        batches.RemoveAll(b => b.Length < minBatch);
        return batches;
    }
}
