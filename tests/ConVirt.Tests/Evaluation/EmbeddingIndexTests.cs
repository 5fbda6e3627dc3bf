using ConVirt.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Evaluation;

/// <summary>The float16-shortlist index returns the exact float32 top-k of <see cref="RetrievalMetrics.TopK"/>.</summary>
[Collection(TorchCollection.Name)]
public sealed class EmbeddingIndexTests
{
    [Fact]
    public void SearchEqualsTheExactTopKIncludingTiesByRow()
    {
        torch.manual_seed(4);
        using var store = torch.randn(20_000, 64) * 3 + 0.5;
        // duplicated rows: exact ties, which must come back in ascending row order
        using (torch.no_grad()) { store[7] = store[19_000]; store[12_345] = store[19_000]; }
        using var queries = torch.cat([store[19_000].unsqueeze(0) + 0.01 * torch.randn(1, 64), torch.randn(4, 64)], 0);
        using var index = new EmbeddingIndex(store, shortlist: 32);
        Assert.Equal(20_000, index.Count);
        Assert.Equal(64, index.Dimension);
        var fast = index.Search(queries, 10);
        var exact = RetrievalMetrics.TopK(queries, store, 10);
        for (int i = 0; i < 5; i++)
            for (int r = 0; r < 10; r++)
            {
                Assert.Equal(exact.Indices[i, r], fast.Indices[i, r]);
                Assert.Equal(exact.Similarities[i, r], fast.Similarities[i, r], 1e-5);   // a tolerance, not 5-decimal rounding (which fails 1.8e-7 apart across a rounding boundary)
            }
        Assert.Equal([7L, 12_345L, 19_000L], new[] { fast.Indices[0, 0], fast.Indices[0, 1], fast.Indices[0, 2] });

        // one [d] query gives one row; the cosine of a stored row with itself is 1
        var single = index.Search(store[42], 1);
        Assert.Equal(42L, single.Indices[0, 0]);
        Assert.Equal(1.0, single.Similarities[0, 0], 1e-5);
    }

    [Theory]
    [InlineData(true)]    // several queries scanned in bfloat16 (what a CPU with native bf16 does)
    [InlineData(false)]   // in float16 below BatchedScanFrom queries, in float32 from there
    public void SeveralQueriesAtOnceGiveTheExactTopKOfEachAlone(bool bf16Scan)
    {
        torch.manual_seed(9);
        using var store = torch.randn(30_000, 64);
        using var index = new EmbeddingIndex(store, shortlist: 32, bf16Scan: bf16Scan);
        foreach (int q in new[] { 3, EmbeddingIndex.BatchedScanFrom + 4 })
        {
            using var queries = torch.randn(q, 64);
            var batch = index.Search(queries, 10);
            var exact = RetrievalMetrics.TopK(queries, store, 10);
            for (int i = 0; i < q; i++)
            {
                var alone = index.Search(queries[i], 10);
                for (int r = 0; r < 10; r++)
                {
                    Assert.Equal(exact.Indices[i, r], batch.Indices[i, r]);
                    Assert.Equal(alone.Indices[0, r], batch.Indices[i, r]);
                    Assert.Equal(alone.Similarities[0, r], batch.Similarities[i, r]);   // re-scored in float32 the same way
                }
            }
        }
    }

    [Fact]
    public void BadShapesAndKAreRefused()
    {
        using var store = torch.randn(5, 8);
        using var index = new EmbeddingIndex(store);
        Assert.Throws<ArgumentException>(() => index.Search(torch.randn(7), 1));
        var e = Assert.Throws<ArgumentException>(() => index.Search(torch.randn(8), 6));
        Assert.Contains("outside [1, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => new EmbeddingIndex(torch.randn(0, 8)));
        Assert.Equal(5, index.Search(torch.randn(8), 5).K); // shortlist 64 > rows: every row is re-scored
    }
}
