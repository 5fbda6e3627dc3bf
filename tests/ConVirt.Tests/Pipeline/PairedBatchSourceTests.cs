using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Synthetic;
using ConVirt.Data.Text;

namespace ConVirt.Tests.Pipeline;

/// <summary>Batches do not depend on how many threads build them.</summary>
public sealed class PairedBatchSourceTests
{
    static readonly Lazy<string> manifest = new(() => SyntheticDataset.Write(TinyRuns.TempFolder("source-threads"), 24, 48, 3, conciseReports: true));

    [Theory]
    [InlineData(false)]   // evaluation transform: all cores by default
    [InlineData(true)]    // paper augmentation: one thread by default
    public void BatchesAreTheSameWhateverTheNumberOfBuildThreads(bool augmented)
    {
        var rows = Manifest.Load(manifest.Value).Rows;
        var tokenizer = WordPieceTokenizer.FromPackaged("minilm");
        PairedBatchSource Source(int threads) => PairedBatchSource.Create(rows, tokenizer, new PairedSourceOptions
        {
            BatchSize = 8, ImageSize = 32, Seed = 9, BuildThreads = threads, Shuffle = augmented,
            Augmentation = augmented ? ConVirtConfig.Paper.Data.Augmentation : null,
        });
        var one = Source(1);
        var auto = Source(0);
        var four = Source(4);
        Assert.Equal(3, one.BatchCount(1));
        for (int i = 0; i < one.BatchCount(1); i++)
        {
            var a = one.Build(1, i);
            foreach (var b in new[] { auto.Build(1, i), four.Build(1, i) })
            {
                Assert.Equal(a.Rows, b.Rows);
                Assert.Equal(a.Images, b.Images);
                Assert.Equal(a.Tokens!.InputIds, b.Tokens!.InputIds);
                Assert.Equal(a.Tokens.AttentionMask, b.Tokens.AttentionMask);
            }
        }
        // and the batches hold images: a constant (blank) batch would make this test vacuous
        var first = one.Build(1, 0).Images;
        Assert.True(first.Max() - first.Min() > 0.1f);
    }
}
