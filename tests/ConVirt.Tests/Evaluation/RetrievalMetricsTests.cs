using Xunit;
using ConVirt.Evaluation;
using static TorchSharp.torch;

namespace ConVirt.Tests.Evaluation;

public class RetrievalMetricsTests
{
    // Candidates (label): 0 (1, 0) A | 1 (1, 0.1) B | 2 (0, 1) B | 3 (1, 0) B | 4 (-1, 0) A;  A = 0, B = 1.
    static readonly float[,] Candidates = { { 1, 0 }, { 1, 0.1f }, { 0, 1 }, { 1, 0 }, { -1, 0 } };
    static readonly int[] CandidateLabels = [0, 1, 1, 1, 0];

    [Fact]
    public void PrecisionAtKOnHandBuiltEmbeddings()
    {
        // Query 0 = (1, 0), label A. Cosines: c0 1, c1 1/sqrt(1.01) = 0.995, c2 0, c3 1, c4 -1.
        //   Ranking (ties by lower index): c0, c3, c1, c2, c4 -> labels A B B B A -> P@1 = 1, P@2 = 1/2, P@3 = 1/3.
        // Query 1 = (0, 2), label B. Cosines: c0 0, c1 0.1/sqrt(1.01) = 0.0995, c2 1, c3 0, c4 0.
        //   Ranking: c2, c1, c0, c3, c4 -> labels B B A B A -> P@1 = 1, P@2 = 1, P@3 = 2/3.
        // Means: P@1 = 1, P@2 = 3/4, P@3 = (1/3 + 2/3) / 2 = 1/2.
        float[,] queries = { { 1, 0 }, { 0, 2 } };
        var precision = RetrievalMetrics.PrecisionAtK(queries, Candidates, [0, 1], CandidateLabels, [1, 2, 3]);
        Assert.Equal(1.0, precision[0], 12);
        Assert.Equal(0.75, precision[1], 12);
        Assert.Equal(0.5, precision[2], 12);
    }

    [Fact]
    public void PerQueryPrecisionIsTheRankingOfEachQuery()
    {
        // The two queries of PrecisionAtKOnHandBuiltEmbeddings, one row each (their mean is that test's result).
        float[,] queries = { { 1, 0 }, { 0, 2 } };
        var perQuery = RetrievalMetrics.PerQueryPrecisionAtK(queries, Candidates, [0, 1], CandidateLabels, [1, 2, 3]);
        Assert.Equal(2, perQuery.Length);
        Assert.Equal([1.0, 0.5, 1.0 / 3], perQuery[0], new ToleranceComparer(1e-12));
        Assert.Equal([1.0, 1.0, 2.0 / 3], perQuery[1], new ToleranceComparer(1e-12));
    }

    [Fact]
    public void RetrievalScoresGiveClassBalancedMeanAndPatientIntervals()
    {
        // Queries q0 = (1, 0) A, q1 = (0, 2) B, q2 = (1, 0) A; P@2 = 1/2, 1, 1/2 (see above). Mean over queries 2/3;
        // per label A 1/2, B 1; class-balanced mean 3/4. q0 and q2 are one patient, so a resample holds that patient's
        // pair, q1, or both: means over queries 1/2, 1 or 2/3, class-balanced 1/2, 1 or 3/4; each extreme has
        // probability 1/4, so the 2.5th and 97.5th percentiles are the extremes.
        float[,] queries = { { 1, 0 }, { 0, 2 }, { 1, 0 } };
        var scores = RetrievalJob.Precision(queries, Candidates, [0, 1, 0], CandidateLabels, [2], null, ["A", "B"], ["p1", "p2", "p1"]);
        Assert.Equal(2.0 / 3, scores.Overall[0], 12);
        Assert.Equal(0.5, scores.ByLabel["A"].Precision[0], 12);
        Assert.Equal(2, scores.ByLabel["A"].Queries);
        Assert.Equal(1.0, scores.ByLabel["B"].Precision[0], 12);
        AssertInterval((2.0 / 3, 0.5, 1.0), scores.Interval[0]);
        AssertInterval((0.75, 0.5, 1.0), scores.ClassMean[0]);
    }

    static void AssertInterval((double Mean, double Low, double High) expected, MeanInterval actual)
    {
        Assert.Equal(expected.Mean, actual.Mean, 12);
        Assert.Equal(expected.Low, actual.Low, 12);
        Assert.Equal(expected.High, actual.High, 12);
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public void TiesAreResolvedByLowerCandidateIndex()
    {
        // c0 and c3 are both exactly (1, 0): a query at (1, 0) must rank c0 first, then c3, then c1.
        using var scope = NewDisposeScope();
        var neighbours = RetrievalMetrics.TopK(tensor(new float[] { 1, 0 }), tensor(Candidates), 3);
        Assert.Equal([0L, 3L, 1L], Row(neighbours.Indices, 0));
        Assert.Equal(1f, neighbours.Similarities[0, 0], 6);
        Assert.Equal(1f, neighbours.Similarities[0, 1], 6);
        Assert.Equal(1 / MathF.Sqrt(1.01f), neighbours.Similarities[0, 2], 5);
    }

    [Fact]
    public void SelfExclusionRemovesTheQueryFromItsOwnRanking()
    {
        // Four points: 0 (1, 0) A, 1 (0.9, 0.1) A, 2 (0, 1) B, 3 (0.1, 0.9) B; each point queries the same set.
        // Point 0 without exclusion: itself (A), 1 (A) -> P@2 = 1. Excluding itself: 1 (A), then 3 (cos 0.110, B)
        // before 2 (cos 0) -> P@2 = 1/2. By symmetry the same holds for every point.
        float[,] points = { { 1, 0 }, { 0.9f, 0.1f }, { 0, 1 }, { 0.1f, 0.9f } };
        int[] labels = [0, 0, 1, 1];
        Assert.Equal(1.0, RetrievalMetrics.PrecisionAtK(points, points, labels, labels, [2])[0], 12);
        Assert.Equal(0.5, RetrievalMetrics.PrecisionAtK(points, points, labels, labels, [2], selfCandidate: [0, 1, 2, 3])[0], 12);
        // Excluding itself, point 0 ranks 1, 3, 2: P@3 = 1/3 (only 1 is A).
        Assert.Equal(1.0 / 3, RetrievalMetrics.PrecisionAtK(points, points, labels, labels, [3], selfCandidate: [0, 1, 2, 3])[0], 12);
        var e = Assert.Throws<ArgumentException>(() => RetrievalMetrics.PrecisionAtK(points, points, labels, labels, [4], selfCandidate: [0, 1, 2, 3]));
        Assert.StartsWith("k = 4 is outside [1, 3]", e.Message);
    }

    [Fact]
    public void ChunkedTopKEqualsBruteForceIncludingTiesAcrossChunks()
    {
        // Integer vectors and raw dot products: every similarity is an exact integer, so rows 10, 500 and 999
        // (identical) tie exactly and lie in different chunks of 37 rows.
        var random = new Random(5);
        int n = 1000, d = 8;
        var store = new float[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) store[i, j] = random.Next(-2, 3);
        for (int j = 0; j < d; j++) store[500, j] = store[999, j] = store[10, j] = 3;
        var query = new float[2, d];
        for (int j = 0; j < d; j++) { query[0, j] = 1; query[1, j] = random.Next(-2, 3); }

        using var scope = NewDisposeScope();
        var chunked = RetrievalMetrics.TopK(tensor(query), tensor(store), 20, chunkSize: 37, normalise: false);
        var whole = RetrievalMetrics.TopK(tensor(query), tensor(store), 20, chunkSize: n, normalise: false);
        Assert.Equal([10L, 500L, 999L], Row(chunked.Indices, 0)[..3]);
        for (int q = 0; q < 2; q++)
        {
            var expected = Enumerable.Range(0, n)
                .Select(i => (Index: (long)i, Score: Enumerable.Range(0, d).Sum(j => query[q, j] * store[i, j])))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Index).Take(20).ToArray();
            Assert.Equal(expected.Select(x => x.Index).ToArray(), Row(chunked.Indices, q));
            Assert.Equal(expected.Select(x => x.Index).ToArray(), Row(whole.Indices, q));
            for (int r = 0; r < 20; r++) Assert.Equal(expected[r].Score, chunked.Similarities[q, r]);
        }
    }

    [Fact]
    public void ChunkedCosineTopKMatchesManagedCosineRanking()
    {
        var random = new Random(11);
        int n = 300, d = 16;
        var store = new float[n, d];
        var query = new float[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) store[i, j] = (float)(random.NextDouble() * 2 - 1);
        for (int j = 0; j < d; j++) query[j] = (float)(random.NextDouble() * 2 - 1);
        double Cosine(int i)
        {
            double dot = 0, a = 0, b = 0;
            for (int j = 0; j < d; j++) { dot += query[j] * store[i, j]; a += query[j] * query[j]; b += store[i, j] * store[i, j]; }
            return dot / Math.Sqrt(a * b);
        }
        var expected = Enumerable.Range(0, n).OrderByDescending(Cosine).Take(10).ToArray();

        using var scope = NewDisposeScope();
        var neighbours = RetrievalMetrics.TopK(tensor(query), tensor(store), 10, chunkSize: 64);
        Assert.Equal(expected.Select(i => (long)i).ToArray(), Row(neighbours.Indices, 0));
        for (int r = 0; r < 10; r++) Assert.Equal(Cosine(expected[r]), neighbours.Similarities[0, r], 5);
    }

    static long[] Row(long[,] m, int row) => Enumerable.Range(0, m.GetLength(1)).Select(j => m[row, j]).ToArray();
}
