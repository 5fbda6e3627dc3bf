using ConVirt.Evaluation;
using ConVirt.Serve;

namespace ConVirt.Tests.Serve;

/// <summary>
/// Batched text search (issue 27): concurrent queries embedded and searched together answer as one at a time: the same rows
/// in the same order, the same scores up to float32 rounding (a sentence padded beside longer ones is summed in another
/// order inside the attention: its u differs in the last bits; 2e-8 here).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ServeBatchingTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    static readonly string[] Phrases =
    [
        "left lower lobe opacity", "small right pleural effusion", "no acute cardiopulmonary abnormality", "enlarged cardiac silhouette",
        "endotracheal tube", "bilateral patchy opacities in both lungs with a small effusion", "pneumothorax", "normal chest",
        "right upper lobe mass", "central line tip in the superior vena cava", "atelectasis", "heart size is normal and the lungs are clear",
    ];

    [Fact]
    public async Task ConcurrentQueriesAreBatchedAndAnswerExactlyAsUnbatched()
    {
        var (batched, single) = BatchedAndSingle(maxBatch: 5);
        using var _b = batched;
        using var _s = single;
        var filters = new[] { SearchFilter.None, new SearchFilter(new Dictionary<string, string> { ["split"] = "train" }),
            new SearchFilter(new Dictionary<string, string> { ["split"] = "test" }) };
        var requests = Phrases.Select((p, i) => (Text: p, K: 1 + i % 10, Filter: filters[i % 3])).ToArray();

        var answers = await Task.WhenAll(Concurrently(requests.Length, i => batched.SearchTextAsync(requests[i].Text, requests[i].K, requests[i].Filter)));

        var (batches, queries) = batched.TextBatches;
        Assert.Equal(Phrases.Length, queries);
        Assert.InRange(batches, 3, Phrases.Length - 1);   // at most 5 per batch, and at least one batch held several
        Assert.Equal((0L, 0L), single.TextBatches);
        double largest = 0;
        for (int i = 0; i < requests.Length; i++)
        {
            var expected = single.SearchText(requests[i].Text, requests[i].K, requests[i].Filter);
            largest = Math.Max(largest, AssertSameHits(expected, answers[i], requests[i].K, requests[i].Filter));
        }
        Assert.True(largest < 1e-6, $"largest score difference {largest}");
    }

    [Fact]
    public async Task ConcurrentImageQueriesAreBatchedAndAnswerAsUnbatched()
    {
        var (batched, single) = BatchedAndSingle(maxBatch: 4);
        using var _b = batched;
        using var _s = single;
        var filters = new[] { SearchFilter.None, new SearchFilter(new Dictionary<string, string> { ["split"] = "train" }) };
        var requests = Enumerable.Range(0, 10).Select(i => (Image: ConVirt.Data.Images.ImageDecoder.Load(f.ImageOf(i)), K: 1 + i % 7, Filter: filters[i % 2])).ToArray();

        var answers = await Task.WhenAll(Concurrently(requests.Length, i => batched.SearchImageAsync(requests[i].Image, requests[i].K, requests[i].Filter)));

        var (batches, queries) = batched.ImageBatches;
        Assert.Equal(requests.Length, queries);
        Assert.InRange(batches, 3, requests.Length - 1);   // at most 4 per batch, and at least one batch held several
        Assert.Equal((0L, 0L), single.ImageBatches);
        double largest = 0;
        for (int i = 0; i < requests.Length; i++)
        {
            var expected = single.SearchImage(requests[i].Image, requests[i].K, requests[i].Filter);
            largest = Math.Max(largest, AssertSameHits(expected, answers[i], requests[i].K, requests[i].Filter));
        }
        // the image tower computes a batch with other kernel blockings than one image: float32 rounding, not bit for bit
        Assert.True(largest < 1e-5, $"largest score difference {largest}");
        Assert.Throws<ApiException>(() => { _ = batched.SearchImageAsync(requests[0].Image, 0, SearchFilter.None); });   // refused before batching
    }

    /// <summary>The batched answer holds the unbatched one's rows (ids and splits, in order), as many as the filter
    /// leaves up to k; returns the largest score difference.</summary>
    double AssertSameHits(IReadOnlyList<SearchHit> expected, IReadOnlyList<SearchHit> actual, int k, SearchFilter filter)
    {
        Assert.Equal(Math.Min(k, f.Index.Rows.Count(r => filter.Matches(r))), expected.Count);
        Assert.Equal(expected.Select(h => (h.Id, h.Split)), actual.Select(h => (h.Id, h.Split)));
        return expected.Zip(actual, (a, b) => (double)Math.Abs(a.Score - b.Score)).DefaultIfEmpty(0).Max();
    }

    [Fact]
    public async Task ABadQueryIsRefusedBeforeItJoinsABatch()
    {
        var features = EmbeddingCache.TryRead(f.Index.CachePath!, f.Index.Rows)!.Features;
        using var batched = new ArchiveIndex(f.Index.Encoder, new ImageFeatureSet(features, f.Index.Rows, []), "v", 64,
            f.Options with { BatchWindow = TimeSpan.FromMilliseconds(100) });
        var good = batched.SearchTextAsync(Phrases[0], 3, SearchFilter.None);
        // refused synchronously, before a task (and a batch) exists
        var e = Assert.Throws<ApiException>(() => { _ = batched.SearchTextAsync(Phrases[1], 0, SearchFilter.None); });
        Assert.Equal(400, e.Status);
        e = Assert.Throws<ApiException>(() => { _ = batched.SearchTextAsync(Phrases[1], 3, new SearchFilter(new Dictionary<string, string> { ["nosuchkey"] = "x" })); });
        Assert.Equal(400, e.Status);
        Assert.Equal(3, (await good).Count);
        Assert.Equal((1L, 1L), batched.TextBatches);
    }

    [Fact]
    public async Task TheBatcherAnswersEachRequestWithItsOwnAnswerAndAFailureFailsOnlyItsBatch()
    {
        var sizes = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var batcher = new QueryBatcher<int, int>(batch =>
        {
            sizes.Add(batch.Count);
            if (batch.Contains(-1)) throw new InvalidOperationException("bad batch");
            Thread.Sleep(50);   // a forward pass takes time: requests arriving meanwhile must queue (an instant processor let 10 run alone once)
            return batch.Select(x => x * x).ToList();
        }, TimeSpan.FromMilliseconds(100), maxBatch: 4);

        var squares = await Task.WhenAll(Concurrently(10, i => batcher.Submit(i + 1)));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * i), squares);
        Assert.All(sizes, s => Assert.InRange(s, 1, 4));
        Assert.Equal(10, sizes.Sum());
        Assert.True(sizes.Count < 10, $"{sizes.Count} batches for 10 concurrent requests");

        var failing = batcher.Submit(-1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal(49, await batcher.Submit(7));   // the worker lives on
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher<int, int>(b => b.ToList(), TimeSpan.FromMilliseconds(-1), 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBatcher<int, int>(b => b.ToList(), TimeSpan.Zero, 0));
    }

    /// <summary>Two indexes over the fixture's archive: one batching with a long window (so that concurrent queries
    /// certainly share batches, at most <paramref name="maxBatch"/> each), one answering every query alone.</summary>
    (ArchiveIndex Batched, ArchiveIndex Single) BatchedAndSingle(int maxBatch)
    {
        var features = EmbeddingCache.TryRead(f.Index.CachePath!, f.Index.Rows)!.Features;
        return (new ArchiveIndex(f.Index.Encoder, new ImageFeatureSet(features, f.Index.Rows, []), "v", 64,
                f.Options with { BatchWindow = TimeSpan.FromMilliseconds(200), MaxBatch = maxBatch }),
            new ArchiveIndex(f.Index.Encoder, new ImageFeatureSet(features, f.Index.Rows, []), "v", 64, f.Options with { BatchWindow = null }));
    }

    /// <summary>
    /// Submits n requests from n threads released together (not the thread pool, which on 2 cores may run them one after
    /// another, so that no request would ever meet another).
    /// </summary>
    static Task<T>[] Concurrently<T>(int n, Func<int, Task<T>> submit)
    {
        var tasks = new Task<T>[n];
        using var start = new Barrier(n);
        var threads = Enumerable.Range(0, n).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            tasks[i] = submit(i);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return tasks;
    }
}
