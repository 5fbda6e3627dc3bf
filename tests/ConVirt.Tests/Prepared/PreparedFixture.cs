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
