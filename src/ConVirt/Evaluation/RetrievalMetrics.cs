using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// Retrieval by cosine similarity: precision@k of label-matched candidates (the paper's CheXpert 8x200
/// protocol) and an exact top-k search over large embedding stores that works chunk by chunk.
/// </summary>
/// <remarks>
/// Ranking is fully deterministic: candidates are ordered by similarity descending, then by candidate index
/// ascending. <c>torch.topk</c> alone does not define the order of equal values, so each chunk's top-k is
/// taken with topk only to find the k-th value, every candidate at or above it is gathered, and that short
/// list is ordered explicitly in managed code.
/// </remarks>
internal static class RetrievalMetrics
{
    /// <summary>
    /// Default number of store rows scored at once by <see cref="TopK(Tensor, Tensor, int, long[], int, bool)"/>;
    /// with this default, fewer queries get larger chunks (see <see cref="DefaultSimilarityBudget"/>).
    /// </summary>
    public const int DefaultChunkSize = 65_536;

    /// <summary>
    /// With the default chunk size, a chunk holds max(<see cref="DefaultChunkSize"/>, this / queries) rows, so
    /// the [queries, chunk] similarity block stays near 64 MB while one query scores a 1M-row store in one pass
    /// (each chunk costs a few fixed tensor operations whose latency dominates a small chunk).
    /// </summary>
    public const long DefaultSimilarityBudget = 1L << 24;

    /// <summary>
    /// Mean precision@k over queries: the fraction of a query's k most similar candidates (cosine
    /// similarity) whose label equals the query's label, averaged over queries, for each k in
    /// <paramref name="ks"/>.
    /// </summary>
    /// <param name="queries">[nq, d] query embeddings (any float dtype, any device).</param>
    /// <param name="candidates">[nc, d] candidate embeddings, same d and device.</param>
    /// <param name="queryLabels">nq labels.</param>
    /// <param name="candidateLabels">nc labels.</param>
    /// <param name="ks">Cut-offs, each in [1, nc] (or [1, nc - 1] with self-exclusion).</param>
    /// <param name="selfCandidate">Optional: for query i, the index of the candidate that is the query itself
    /// (excluded from its ranking), or -1 when it has none. Null excludes nothing.</param>
    /// <returns>Mean precision for each entry of <paramref name="ks"/>, in the same order.</returns>
    public static double[] PrecisionAtK(Tensor queries, Tensor candidates, int[] queryLabels, int[] candidateLabels,
        IReadOnlyList<int> ks, int[]? selfCandidate = null)
    {
        var perQuery = PerQueryPrecisionAtK(queries, candidates, queryLabels, candidateLabels, ks, selfCandidate);
        var result = new double[ks.Count];
        for (int j = 0; j < ks.Count; j++) result[j] = perQuery.Length == 0 ? double.NaN : perQuery.Average(p => p[j]);
        return result;
    }

    /// <summary>
    /// Precision@k of each query (the values <see cref="PrecisionAtK(Tensor, Tensor, int[], int[], IReadOnlyList{int}, int[])"/>
    /// averages), for intervals and per-label means: element [q][j] is query q's precision at <c>ks[j]</c>.
    /// </summary>
    public static double[][] PerQueryPrecisionAtK(Tensor queries, Tensor candidates, int[] queryLabels, int[] candidateLabels,
        IReadOnlyList<int> ks, int[]? selfCandidate = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(queryLabels);
        ArgumentNullException.ThrowIfNull(candidateLabels);
        ArgumentNullException.ThrowIfNull(ks);
        CheckMatrices(queries, candidates);
        long nq = queries.shape[0], nc = candidates.shape[0];
        if (queryLabels.Length != nq)
            throw new ArgumentException($"queryLabels has {queryLabels.Length} entries but there are {nq} queries.", nameof(queryLabels));
        if (candidateLabels.Length != nc)
            throw new ArgumentException($"candidateLabels has {candidateLabels.Length} entries but there are {nc} candidates.", nameof(candidateLabels));
        if (ks.Count == 0) throw new ArgumentException("ks is empty.", nameof(ks));
        long[]? excluded = null;
        if (selfCandidate is not null)
        {
            if (selfCandidate.Length != nq)
                throw new ArgumentException($"selfCandidate has {selfCandidate.Length} entries but there are {nq} queries.", nameof(selfCandidate));
            excluded = new long[nq];
            for (int i = 0; i < nq; i++)
            {
                if (selfCandidate[i] < -1 || selfCandidate[i] >= nc)
                    throw new ArgumentException($"selfCandidate[{i}] is {selfCandidate[i]}, outside [-1, {nc}).", nameof(selfCandidate));
                excluded[i] = selfCandidate[i];
            }
        }
        long available = nc - (excluded is not null && excluded.Any(e => e >= 0) ? 1 : 0);
        int maxK = 0;
        foreach (int k in ks)
        {
            if (k < 1 || k > available)
                throw new ArgumentException($"k = {k} is outside [1, {available}] (candidates available to each query).", nameof(ks));
            maxK = Math.Max(maxK, k);
        }

        var neighbours = TopK(queries, candidates, maxK, excluded);
        var result = new double[nq][];
        for (int q = 0; q < nq; q++)
        {
            // relevantBefore[r] = relevant candidates among the first r ranks of query q.
            var relevantBefore = new int[maxK + 1];
            for (int r = 0; r < maxK; r++)
                relevantBefore[r + 1] = relevantBefore[r] + (candidateLabels[neighbours.Indices[q, r]] == queryLabels[q] ? 1 : 0);
            result[q] = ks.Select(k => (double)relevantBefore[k] / k).ToArray();
        }
        return result;
    }

    /// <summary>Managed overload of <see cref="PerQueryPrecisionAtK(Tensor, Tensor, int[], int[], IReadOnlyList{int}, int[])"/>
    /// for [nq, d] and [nc, d] arrays (computed on the CPU).</summary>
    public static double[][] PerQueryPrecisionAtK(float[,] queries, float[,] candidates, int[] queryLabels, int[] candidateLabels,
        IReadOnlyList<int> ks, int[]? selfCandidate = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(candidates);
        using var scope = NewDisposeScope();
        return PerQueryPrecisionAtK(tensor(queries), tensor(candidates), queryLabels, candidateLabels, ks, selfCandidate);
    }

    /// <summary>Managed overload of <see cref="PrecisionAtK(Tensor, Tensor, int[], int[], IReadOnlyList{int}, int[])"/>
    /// for [nq, d] and [nc, d] arrays (computed on the CPU).</summary>
    public static double[] PrecisionAtK(float[,] queries, float[,] candidates, int[] queryLabels, int[] candidateLabels,
        IReadOnlyList<int> ks, int[]? selfCandidate = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(candidates);
        using var scope = NewDisposeScope();
        return PrecisionAtK(tensor(queries), tensor(candidates), queryLabels, candidateLabels, ks, selfCandidate);
    }

    /// <summary>
    /// Exact top-k of <paramref name="store"/> rows by cosine similarity to each query, scoring at most
    /// <paramref name="chunkSize"/> store rows at a time, so a [1M, 512] store never needs a
    /// [queries, 1M] similarity matrix or a normalised copy of the whole store.
    /// </summary>
    /// <param name="queries">[d] (one query) or [q, d] query embeddings.</param>
    /// <param name="store">[n, d] embeddings on the same device as the queries.</param>
    /// <param name="k">Neighbours to return per query, in [1, n].</param>
    /// <param name="excludedIndex">Optional per-query store index to leave out (-1 for none), e.g. the query itself.</param>
    /// <param name="chunkSize">Store rows scored at once (the default adapts to the query count, see <see cref="DefaultSimilarityBudget"/>).</param>
    /// <param name="normalise">True: cosine similarity (both sides L2-normalised). False: raw dot products,
    /// for stores that are normalised already.</param>
    /// <returns>Indices and similarities, best first, ties by ascending store index.</returns>
    public static NearestNeighbours TopK(Tensor queries, Tensor store, int k, long[]? excludedIndex = null,
        int chunkSize = DefaultChunkSize, bool normalise = true)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(store);
        if (chunkSize < 1) throw new ArgumentException($"chunkSize is {chunkSize}; it must be positive.", nameof(chunkSize));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var q = queries.dim() == 1 ? queries.unsqueeze(0) : queries;
        CheckMatrices(q, store);
        int nq = checked((int)q.shape[0]);
        long n = store.shape[0];
        if (k < 1 || k > n) throw new ArgumentException($"k = {k} is outside [1, {n}] (store rows).", nameof(k));
        if (excludedIndex is not null && excludedIndex.Length != nq)
            throw new ArgumentException($"excludedIndex has {excludedIndex.Length} entries but there are {nq} queries.", nameof(excludedIndex));

        long rowsPerChunk = chunkSize == DefaultChunkSize ? Math.Max(DefaultChunkSize, DefaultSimilarityBudget / nq) : chunkSize;
        var queryMatrix = q.to_type(ScalarType.Float32);
        if (normalise) queryMatrix = nn.functional.normalize(queryMatrix, p: 2, dim: 1);

        // best[i]: query i's running top-k as (similarity, index), best first.
        var best = new List<(float Similarity, long Index)>[nq];
        for (int i = 0; i < nq; i++) best[i] = [];
        for (long start = 0; start < n; start += rowsPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            long length = Math.Min(rowsPerChunk, n - start);
            var chunk = store.narrow(0, start, length).to_type(ScalarType.Float32);
            // [length, d] x [d, q]: for one query a matrix-vector product, which BLAS streams at memory speed
            // ([q, d] x [d, length] took several times longer); cosine as dot / row norm, so no normalised
            // copy of the chunk is written (normalize's max(norm, 1e-12) guard kept).
            var scores = chunk.matmul(queryMatrix.t()); // [length, q]
            if (normalise) scores = scores.div_(chunk.norm(1, keepdim: true).clamp_min_(1e-12));
            var similarities = scores.t().contiguous(); // [q, length]
            if (excludedIndex is not null)
            {
                var flat = new List<long>();
                for (int i = 0; i < nq; i++)
                {
                    long local = excludedIndex[i] - start;
                    if (excludedIndex[i] >= 0 && local < length) flat.Add(i * length + local);
                }
                if (flat.Count > 0)
                    similarities = similarities.reshape(-1)
                        .index_fill(0, tensor(flat.ToArray(), device: similarities.device), float.NegativeInfinity)
                        .reshape(nq, length);
            }
            MergeChunk(similarities, start, Math.Min(k, (int)length), k, best);
        }

        var indices = new long[nq, k];
        var values = new float[nq, k];
        for (int i = 0; i < nq; i++)
        {
            if (best[i].Count < k || float.IsNegativeInfinity(best[i][k - 1].Similarity))
                throw new ArgumentException($"Query {i} has fewer than k = {k} store rows left after exclusion.", nameof(k));
            for (int r = 0; r < k; r++)
            {
                indices[i, r] = best[i][r].Index;
                values[i, r] = best[i][r].Similarity;
            }
        }
        return new NearestNeighbours(indices, values);
    }

    /// <summary>
    /// Adds the top <paramref name="chunkK"/> entries (ties by index) of each row of
    /// [q, length] <paramref name="similarities"/> to the running lists, keeping the best <paramref name="k"/>.
    /// </summary>
    static void MergeChunk(Tensor similarities, long offset, int chunkK, int k, List<(float Similarity, long Index)>[] best)
    {
        int nq = (int)similarities.shape[0];
        // The chunk's k-th largest value per row; every entry >= it is a candidate for the row's top-k.
        var threshold = similarities.topk(chunkK, dim: 1, largest: true, sorted: true).values.narrow(1, chunkK - 1, 1); // [q, 1]
        var atOrAbove = similarities.ge(threshold);
        var positions = atOrAbove.nonzero().cpu(); // [m, 2] (row, column), row-major so columns ascend within a row
        var gathered = similarities.masked_select(atOrAbove).cpu(); // [m], same order
        var rows = positions.select(1, 0).data<long>().ToArray();
        var columns = positions.select(1, 1).data<long>().ToArray();
        var scores = gathered.data<float>().ToArray();
        var perRow = new List<(float Similarity, long Index)>[nq];
        for (int i = 0; i < nq; i++) perRow[i] = new List<(float, long)>(best[i]);
        for (int m = 0; m < rows.Length; m++) perRow[rows[m]].Add((scores[m], offset + columns[m]));
        for (int i = 0; i < nq; i++)
        {
            perRow[i].Sort(static (a, b) => a.Similarity != b.Similarity ? b.Similarity.CompareTo(a.Similarity) : a.Index.CompareTo(b.Index));
            if (perRow[i].Count > k) perRow[i].RemoveRange(k, perRow[i].Count - k);
            best[i] = perRow[i];
        }
    }

    static void CheckMatrices(Tensor queries, Tensor candidates)
    {
        if (queries.dim() != 2) throw new ArgumentException($"queries must be [nq, d]; got [{string.Join(", ", queries.shape)}].", nameof(queries));
        if (candidates.dim() != 2) throw new ArgumentException($"candidates must be [nc, d]; got [{string.Join(", ", candidates.shape)}].", nameof(candidates));
        if (queries.shape[1] != candidates.shape[1])
            throw new ArgumentException($"queries have dimension {queries.shape[1]} but candidates have {candidates.shape[1]}.", nameof(candidates));
        if (queries.device_type != candidates.device_type || queries.device_index != candidates.device_index)
            throw new ArgumentException($"queries are on {queries.device} but candidates on {candidates.device}.", nameof(candidates));
    }
}
