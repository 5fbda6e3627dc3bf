using ConVirt.Precision;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// A store of embeddings for repeated top-k cosine queries, faster than scanning float32 rows: the rows are
/// L2-normalised once and kept twice, in float32 and in float16. A query scans the float16 copy (half the bytes;
/// libtorch's float16 matrix-vector product on this CPU ran 3x faster than float32, bench `retrieval`), keeps the
/// <see cref="Shortlist"/> best rows, re-scores those in float32 and returns their top k, ties by ascending row.
/// Several queries at once (a batch of a server's concurrent queries) are scanned in one matrix product, where
/// libtorch's float16 kernel is slow (its time grows with every query: 98 ms for 28 queries over 100k x 512, against
/// 3 ms for one): in bfloat16 where the CPU multiplies it natively (10 ms; a third copy of the rows, made on the first
/// such search), else in float32 from <see cref="BatchedScanFrom"/> queries (43 ms). docs/benchmarks.md 12.1.
/// </summary>
/// <remarks>
/// The answer equals the exact float32 top-k (<see cref="RetrievalMetrics.TopK"/>) whenever every true top-k row is
/// among the float16 shortlist, i.e. unless float16 rounding (about 1e-3 of a cosine) moves one from the top k below
/// position <see cref="Shortlist"/>. The benchmark checks the answers against the exact search. Memory: 6 bytes per
/// value (4 + 2) instead of 4.
/// </remarks>
internal sealed class EmbeddingIndex : IDisposable
{
    readonly Tensor exact;   // [n, d] float32, rows normalised
    readonly Tensor coarse;  // [n, d] float16 copy
    readonly Lazy<Tensor?> batchCoarse;   // [n, d] bfloat16 copy for several queries at once, where the CPU has native bf16

    /// <summary>Queries from which a search without a bfloat16 copy scans the float32 rows instead of the float16 ones.</summary>
    public const int BatchedScanFrom = 8;

    /// <param name="embeddings">[n, d] rows (any float dtype, any device; the index lives on that device).</param>
    /// <param name="shortlist">Rows re-scored in float32 per query (at least k is always used).</param>
    /// <param name="bf16Scan">Whether several queries are scanned in bfloat16; null: where the rows' device computes it natively.</param>
    public EmbeddingIndex(Tensor embeddings, int shortlist = 64, bool? bf16Scan = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.dim() != 2 || embeddings.shape[0] == 0 || embeddings.shape[1] == 0)
            throw new ArgumentException($"embeddings must be a non-empty [n, d] matrix; got [{string.Join(", ", embeddings.shape)}].", nameof(embeddings));
        if (shortlist < 1) throw new ArgumentException($"shortlist is {shortlist}; it must be positive.", nameof(shortlist));
        Shortlist = shortlist;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        exact = nn.functional.normalize(embeddings.detach().to_type(ScalarType.Float32), p: 2, dim: 1).contiguous().MoveToOuterDisposeScope();
        coarse = exact.to_type(ScalarType.Float16).contiguous().MoveToOuterDisposeScope();
        bool bf16 = bf16Scan ?? Bf16Hardware.Detect(exact.device).Native;
        batchCoarse = new(() => bf16 ? exact.to_type(ScalarType.BFloat16).contiguous().DetachFromDisposeScope() : null);
    }

    /// <summary>Stored rows.</summary>
    public long Count => exact.shape[0];

    /// <summary>Embedding width d.</summary>
    public long Dimension => exact.shape[1];

    /// <summary>Rows re-scored in float32 per query.</summary>
    public int Shortlist { get; }

    /// <summary>Top-k rows by cosine similarity for a [d] query or each row of [q, d] queries, best first.</summary>
    public NearestNeighbours Search(Tensor queries, int k)
    {
        ArgumentNullException.ThrowIfNull(queries);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var q = queries.dim() == 1 ? queries.unsqueeze(0) : queries;
        if (q.dim() != 2 || q.shape[1] != Dimension)
            throw new ArgumentException($"queries must be [{Dimension}] or [q, {Dimension}]; got [{string.Join(", ", queries.shape)}].", nameof(queries));
        if (k < 1 || k > Count) throw new ArgumentException($"k = {k} is outside [1, {Count}] (stored rows).", nameof(k));
        int nq = checked((int)q.shape[0]);
        var unit = nn.functional.normalize(q.to(exact.device).to_type(ScalarType.Float32), p: 2, dim: 1);
        int m = (int)Math.Min(Count, Math.Max(Shortlist, k));
        // coarse scan: [n, d] x [d, q] -> [n, q]; the shortlist of each query, by column
        var shortlist = Scan(unit, nq).topk(m, dim: 0).indexes.cpu(); // [m, q]
        var candidates = shortlist.t().contiguous().data<long>().ToArray(); // row-major [q, m]
        var indices = new long[nq, k];
        var values = new float[nq, k];
        for (int i = 0; i < nq; i++)
        {
            var rows = candidates.AsSpan(i * m, m).ToArray();
            var rescored = exact.index_select(0, tensor(rows, device: exact.device)).matmul(unit[i]).cpu().data<float>().ToArray();
            var order = Enumerable.Range(0, m).OrderByDescending(j => rescored[j]).ThenBy(j => rows[j]).Take(k).ToArray();
            for (int r = 0; r < k; r++)
            {
                indices[i, r] = rows[order[r]];
                values[i, r] = rescored[order[r]];
            }
        }
        return new NearestNeighbours(indices, values);
    }

    /// <summary>Coarse scores of every row for [q, d] unit queries: [n, q].</summary>
    Tensor Scan(Tensor unit, int queries)
    {
        if (queries >= 2 && batchCoarse.Value is { } bf16) return bf16.matmul(unit.to_type(ScalarType.BFloat16).t());
        if (queries >= BatchedScanFrom) return exact.matmul(unit.t());
        return coarse.matmul(unit.to_type(ScalarType.Float16).t());
    }

    /// <summary>Releases the copies of the store.</summary>
    public void Dispose()
    {
        exact.Dispose();
        coarse.Dispose();
        if (batchCoarse.IsValueCreated) batchCoarse.Value?.Dispose();
    }
}
