using System.Text.Json;
using ConVirt.Data.Synthetic;
using SkiaSharp;
using Xunit;

namespace ConVirt.Tests.Synthetic;

public sealed class SyntheticDatasetTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "convirt-synth-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private sealed class Recorder : IProgress<int>
    {
        public int Max, Calls;
        public void Report(int value)
        {
            Interlocked.Increment(ref Calls);
            int seen;
            while ((seen = Volatile.Read(ref Max)) < value && Interlocked.CompareExchange(ref Max, value, seen) != seen) { }
        }
    }

    [Fact]
    public void WriteProducesAManifestWithImagesOfTheRequestedSizeAndExactSplits()
    {
        var progress = new Recorder();
        string manifest = SyntheticDataset.Write(_folder, 30, 40, 9, progress);
        Assert.Equal(Path.Combine(_folder, "manifest.jsonl"), manifest);
        Assert.Equal((30, 30), (progress.Max, progress.Calls));

        var lines = File.ReadAllLines(manifest);
        Assert.Equal(30, lines.Length);
        var splits = new Dictionary<string, int>();
        for (int i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            var row = doc.RootElement;
            string id = row.GetProperty("id").GetString()!;
            Assert.Equal($"synth-{i:D6}", id);
            Assert.Equal($"images/{id}.png", row.GetProperty("image").GetString());
            Assert.Equal($"synth-p{i:D6}", row.GetProperty("patient_id").GetString());
            string split = row.GetProperty("split").GetString()!;
            splits[split] = splits.GetValueOrDefault(split) + 1;

            var expected = SyntheticChestXray.Generate(i, 40, 9);
            Assert.Equal(expected.Report, row.GetProperty("text").GetString());
            var labels = row.GetProperty("labels");
            foreach (var (key, value) in expected.Findings.Labels())
                Assert.Equal(value, labels.GetProperty(key).GetString());
            Assert.Equal(7, labels.EnumerateObject().Count());

            // The PNG is 8-bit grayscale at the requested size and holds exactly the generated pixels.
            string path = Path.Combine(_folder, "images", id + ".png");
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal(0, png[25]); // IHDR colour type 0 = grayscale
            Assert.Equal(8, png[24]); // bit depth
            using var bitmap = SKBitmap.Decode(path);
            Assert.Equal((40, 40), (bitmap.Width, bitmap.Height));
            for (int k = 0; k < 40 * 40; k += 97)
                Assert.Equal((byte)MathF.Round(expected.Image.Pixels[k] * 255), bitmap.GetPixel(k % 40, k / 40).Red);
        }
        Assert.Equal(24, splits["train"]);
        Assert.Equal(3, splits["val"]);
        Assert.Equal(3, splits["test"]);
    }

    [Fact]
    public void QueriesFileHasFiveDescriptionsPerPrimaryClass()
    {
        SyntheticDataset.Write(_folder, 2, 16, 1);
        var rows = File.ReadAllLines(Path.Combine(_folder, "queries.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(25, rows.Count);
        var byLabel = rows.GroupBy(r => r.GetProperty("label").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Findings.PrimaryLabels.OrderBy(x => x), byLabel.Keys.OrderBy(x => x));
        Assert.All(byLabel.Values, n => Assert.Equal(5, n));
        Assert.All(rows, r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("text").GetString())));
    }

    [Fact]
    public void WritingTwiceGivesIdenticalFiles()
    {
        string other = _folder + "-b";
        try
        {
            SyntheticDataset.Write(_folder, 12, 32, 4);
            SyntheticDataset.Write(other, 12, 32, 4);
            Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "manifest.jsonl")), File.ReadAllBytes(Path.Combine(other, "manifest.jsonl")));
            for (int i = 0; i < 12; i++)
                Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "images", $"synth-{i:D6}.png")),
                    File.ReadAllBytes(Path.Combine(other, "images", $"synth-{i:D6}.png")));
        }
        finally
        {
            if (Directory.Exists(other)) Directory.Delete(other, recursive: true);
        }
    }

    [Theory]
    [InlineData(0, 8, "count")]
    [InlineData(5, 4, "size")]
    public void BadArgumentsAreRejected(int count, int size, string parameter)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDataset.Write(_folder, count, size, 1));
        Assert.Equal(parameter, ex.ParamName);
    }

    [Fact]
    public void SplitIsEightyTenTen()
    {
        var splits = Enumerable.Range(0, 1000).Select(SyntheticDataset.SplitOf).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal((800, 100, 100), (splits["train"], splits["val"], splits["test"]));
    }
}
