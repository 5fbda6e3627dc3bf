namespace ConVirt.Tests;

/// <summary>Locates the repository, test data and the shared real data.</summary>
internal static class TestPaths
{
    /// <summary>The folder holding ConVirt.slnx.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Test data copied next to the test binary.</summary>
    public static string TestData(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    /// <summary>
    /// The shared real data folder (CONVIRT_SHARED_DATA, default ../shared/data from the repository root),
    /// or null when absent.
    /// </summary>
    public static string? SharedData
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("CONVIRT_SHARED_DATA");
            var path = string.IsNullOrWhiteSpace(env) ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data")) : env;
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>Message written when a test needing shared data returns early.</summary>
    public const string SharedDataMissing = "SKIPPED: the shared real data folder was not found (set CONVIRT_SHARED_DATA or place it at ../shared/data).";

    static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ConVirt.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (ConVirt.slnx) not found above " + AppContext.BaseDirectory);
    }
}
