using ConVirt.Data.Prepared;
using ConVirt.Data.Synthetic;
using ConVirt.Tests.Pipeline;

namespace ConVirt.Tests.Prepared;

/// <summary>Small synthetic data sets and their prepared shards, shared by the tests of this folder.</summary>
internal static class PreparedFixture
{
    /// <summary>A synthetic manifest of <paramref name="count"/> cases at <paramref name="size"/> px.</summary>
    public static string Synthetic(string name, int count, int size, int seed = 3)
    {
        var folder = TinyRuns.TempFolder(name);
        return SyntheticDataset.Write(folder, count, size, seed);
    }

    /// <summary>
    /// A manifest of <paramref name="rows"/> rows (distinct ids, texts and patients) whose images reuse a pool of
    /// <paramref name="pool"/> noise PNGs of <paramref name="width"/> x <paramref name="height"/>: slow to decode, quick to write.
    /// </summary>
    public static string Pooled(string name, int rows, int pool, int width, int height)
    {
        var folder = TinyRuns.TempFolder(name);
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        var rng = new Random(7);
        for (int p = 0; p < pool; p++)
        {
            var pixels = new float[width * height];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)rng.NextDouble();
            File.WriteAllBytes(Path.Combine(folder, "images", $"pool-{p}.png"), ConVirt.Data.Synthetic.GrayPngWriter.Encode(new ConVirt.Data.GrayImage(width, height, pixels)));
        }
        var manifest = Path.Combine(folder, "manifest.jsonl");
        File.WriteAllLines(manifest, Enumerable.Range(0, rows).Select(i =>
            "{\"id\": \"row-" + i + "\", \"image\": \"images/pool-" + (i % pool) + ".png\", \"text\": \"Finding number " + i + ". No effusion.\", \"split\": \"train\", \"patient_id\": \"p" + i + "\", \"labels\": {\"k\": \"" + (i % 2) + "\"}}"));
        return manifest;
    }

    /// <summary>Prepares <paramref name="manifest"/> into a new folder and returns it with the result.</summary>
    public static (string Folder, PrepareResult Result) Prepare(string manifest, int shortSide, int shardSize, int bits = 8, string? folder = null)
    {
        folder ??= Path.Combine(TinyRuns.TempFolder("prepared"), "ds");
        var result = PrepareJob.Run(new PrepareOptions { Manifests = [manifest], Out = folder, ShortSide = shortSide, ShardSize = shardSize, Bits = bits, Threads = 2 });
        return (folder, result);
    }

    /// <summary>/usr/bin/python3, or null with a message (under CI=true a missing interpreter fails the test, naming the package).</summary>
    public static string? Python()
    {
        const string python = "/usr/bin/python3";
        if (File.Exists(python)) return python;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail("Debian package python3 is missing (/usr/bin/python3): apt-get install python3");
        Console.WriteLine("SKIPPED: /usr/bin/python3 not found (Debian package python3)");
        return null;
    }
}
