using ConVirt.Data.Synthetic;
using ConVirt.Serve;

namespace ConVirt.Tests.Serve;

/// <summary>The embedding cache: reused on restart, rebuilt when the data or the encoder changes, never half-written.</summary>
[Collection(TorchCollection.Name)]
public sealed class ServeCacheTests
{
    [Fact]
    public void TheCacheIsReusedOnRestartAndInvalidatedWhenAnImageChanges()
    {
        var dir = Pipeline.TinyRuns.TempFolder("serve-cache");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 8, 64, seed: 9);
        var run = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run")).Folder;
        var options = new ServeOptions { Encoder = run, Data = manifest, ImageSize = 64 };
        var lines = new List<string>();
        var counts = new List<(int, int)>();

        float[,] first;
        string firstCache;
        using (var index = ArchiveLoader.Load(options, new Inline<string>(lines.Add), new Inline<(int, int)>(counts.Add)))
        {
            Assert.False(index.FromCache);
            Assert.Equal((8, 8), counts[^1]);   // progress reached every image
            firstCache = index.CachePath!;
            Assert.Equal(Path.Combine(run, "serve-cache"), Path.GetDirectoryName(firstCache));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(firstCache)!));   // no temporary file left
            first = EmbeddingCache.TryRead(firstCache, index.Rows)!.Features;
        }
        counts.Clear();
        using (var again = ArchiveLoader.Load(options, new Inline<string>(lines.Add), new Inline<(int, int)>(counts.Add)))
        {
            Assert.True(again.FromCache);
            Assert.Empty(counts);   // nothing embedded
            Assert.Equal(firstCache, again.CachePath);
        }

        // another image's pixels written over row 2: a new data hash, embedded again, row 2 changed, row 0 not
        var image2 = Path.Combine(dir, "data", "images", SyntheticDataset.IdOf(2) + ".png");
        File.Copy(Path.Combine(dir, "data", "images", SyntheticDataset.IdOf(5) + ".png"), image2, overwrite: true);
        using (var changed = ArchiveLoader.Load(options))
        {
            Assert.False(changed.FromCache);
            Assert.NotEqual(firstCache, changed.CachePath);
            var features = EmbeddingCache.TryRead(changed.CachePath!, changed.Rows)!.Features;
            Assert.Equal(Row(first, 0), Row(features, 0));
            Assert.NotEqual(Row(first, 2), Row(features, 2));
            Assert.Equal(Row(features, 5), Row(features, 2));   // the same pixels now
        }

        // a different encoder (other weights) is another key too
        var other = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run2"), seed: 11).Folder;
        Assert.NotEqual(EmbeddingCache.EncoderHash(run), EmbeddingCache.EncoderHash(other));
        // a damaged cache file is ignored and rewritten, not trusted
        using (var before = ArchiveLoader.Load(options)) Assert.True(before.FromCache);
        var path = Directory.GetFiles(Path.Combine(run, "serve-cache")).OrderByDescending(File.GetLastWriteTimeUtc).First();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        using (var after = ArchiveLoader.Load(options)) Assert.False(after.FromCache);
    }

    static float[] Row(float[,] m, int i) => Enumerable.Range(0, m.GetLength(1)).Select(j => m[i, j]).ToArray();

    sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
