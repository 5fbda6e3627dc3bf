using System.Diagnostics;
using ConVirt.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// Figure 5: top-10 latency of one 512-d query over n stored embeddings: RetrievalMetrics.TopK on a raw store
/// (normalise: true), on a store normalised once (normalise: false), and a bare matmul + topk for reference.
/// </summary>
internal static class RetrievalBench
{
    public sealed record Row(long N, Stats TopKRawMs, Stats TopKNormalisedMs, Stats BareMs, bool SameAnswer, Stats IndexMs, bool IndexSameAnswer, int QueriesCompared, int IndexAgreements);

    public static List<Row> Run(long[] sizes, int reps)
    {
        var rows = new List<Row>();
        foreach (long n in sizes)
        {
            torch.manual_seed(1);
            using var store = torch.randn(n, 512);
            using var normalised = nn.functional.normalize(store, p: 2, dim: 1).contiguous();
            using var query = torch.randn(512);
            using var index = new EmbeddingIndex(store, shortlist: 64);
            var indexTimes = new List<double>();
            var raw = new List<double>();
            var norm = new List<double>();
            var bare = new List<double>();
            NearestNeighbours? a = null, b = null;
            long[]? c = null;
            for (int r = 0; r < reps + 1; r++)
            {
                var w = Stopwatch.StartNew();
                a = RetrievalMetrics.TopK(query, store, 10);
                double t1 = w.Elapsed.TotalMilliseconds;
                w.Restart();
                b = RetrievalMetrics.TopK(query, normalised, 10, normalise: false);
                double t2 = w.Elapsed.TotalMilliseconds;
                w.Restart();
                using (var scope = torch.NewDisposeScope())
                {
                    var q = nn.functional.normalize(query.unsqueeze(0), p: 2, dim: 1);
                    var top = normalised.matmul(q.t()).squeeze(1).topk(10);
                    c = top.indexes.data<long>().ToArray();
                }
                double t3 = w.Elapsed.TotalMilliseconds;
                w.Restart();
                var d = index.Search(query, 10);
                double t4 = w.Elapsed.TotalMilliseconds;
                if (r > 0) { raw.Add(t1); norm.Add(t2); bare.Add(t3); indexTimes.Add(t4); }
            }
            bool same = Enumerable.Range(0, 10).All(i => a!.Indices[0, i] == b!.Indices[0, i] && b.Indices[0, i] == c![i]);
            // the float16-shortlist index against the exact search, on this query and 50 more random ones
            int agreements = 0, compared = 51;
            using (var more = torch.cat([query.unsqueeze(0), torch.randn(compared - 1, 512)], 0))
            {
                var exact = RetrievalMetrics.TopK(more, normalised, 10, normalise: false);
                var fast = index.Search(more, 10);
                for (int i = 0; i < compared; i++)
                    if (Enumerable.Range(0, 10).All(j => exact.Indices[i, j] == fast.Indices[i, j])) agreements++;
            }
            rows.Add(new Row(n, Stats.Of(raw), Stats.Of(norm), Stats.Of(bare), same, Stats.Of(indexTimes), agreements == compared, compared, agreements));
        }
        return rows;
    }
}
