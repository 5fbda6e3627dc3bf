using ConVirt.Data.Text;
using Xunit;

namespace ConVirt.Tests.Text;

public class SentenceSamplerTests
{
    static WordPieceTokenizer TinyTokenizer()
    {
        string path = Path.Combine(Path.GetTempPath(), $"convirt-vocab-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "no", "effusion", ".", "clear", "lungs"]);
        try { return WordPieceTokenizer.FromVocab(path); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Sampling_is_uniform_over_sentences()
    {
        string[] sentences = ["No effusion.", "Lungs clear.", "Heart normal."];
        var sampler = new SentenceSampler();
        var rng = new Random(20240917);
        var counts = new Dictionary<string, int>();
        for (int k = 0; k < 30_000; k++)
        {
            string s = sampler.Sample(sentences, rng);
            counts[s] = counts.GetValueOrDefault(s) + 1;
        }
        Assert.Equal(3, counts.Count);
        // Expected 10,000 each; one standard deviation is sqrt(30000 * 1/3 * 2/3) ~ 82.
        Assert.All(counts.Values, c => Assert.InRange(c, 9_600, 10_400));
    }

    [Fact]
    public void Same_seed_gives_the_same_sequence()
    {
        string[] sentences = ["a", "b", "c", "d", "e"];
        var first = new SentenceSampler();
        var second = new SentenceSampler();
        var rngA = new Random(7);
        var rngB = new Random(7);
        var a = Enumerable.Range(0, 1000).Select(_ => first.Sample(sentences, rngA)).ToList();
        var b = Enumerable.Range(0, 1000).Select(_ => second.Sample(sentences, rngB)).ToList();
        Assert.Equal(a, b);
        var other = new Random(8);
        Assert.NotEqual(a, Enumerable.Range(0, 1000).Select(_ => first.Sample(sentences, other)).ToList());
    }

    [Fact]
    public void Empty_report_cannot_be_sampled()
    {
        var error = Assert.Throws<ArgumentException>(() => new SentenceSampler().Sample([], new Random(1)));
        Assert.StartsWith("A report with no sentences cannot be sampled", error.Message);
    }

    [Fact]
    public void Cache_splits_and_encodes_each_distinct_text_once_across_threads()
    {
        var cache = new SentenceCache(TinyTokenizer(), maxLength: 8);
        string[] reports = ["No effusion. Lungs clear.", "Lungs clear.", "No effusion.\nNo effusion.", "..."];
        var results = new ReportSentences[400];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            k => results[k] = cache.Get(reports[k % reports.Length]));

        Assert.Equal(4, cache.Count);
        Assert.Equal(4, cache.BuildCount);
        for (int k = 0; k < results.Length; k++) Assert.Same(results[k % reports.Length], results[k]);

        var first = cache.Get(reports[0]);
        Assert.Equal(["No effusion.", "Lungs clear."], first.Sentences);
        Assert.Equal([2, 5, 6, 7, 3], first.TokenIds[0]);
        Assert.Equal([2, 9, 8, 7, 3], first.TokenIds[1]);
        Assert.Equal(0, cache.Get("...").Count);
        Assert.Equal(4, cache.BuildCount);
    }

    [Fact]
    public void Hot_path_returns_a_cached_id_row()
    {
        var cache = new SentenceCache(TinyTokenizer());
        var report = cache.Get("No effusion. Lungs clear. Clear.");
        var sampler = new SentenceSampler();
        var rng = new Random(3);
        var seen = new HashSet<int>();
        for (int k = 0; k < 300; k++)
        {
            int[] ids = sampler.SampleTokenIds(report, rng);
            int index = Enumerable.Range(0, report.Count).Single(i => ReferenceEquals(report.TokenIds[i], ids));
            seen.Add(index);
        }
        Assert.Equal([0, 1, 2], seen.Order());
    }
}
