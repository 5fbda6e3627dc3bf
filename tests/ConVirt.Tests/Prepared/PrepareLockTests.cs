using System.Diagnostics;
using ConVirt.Data.Prepared;
using ConVirt.Runtime;
using ConVirt.Tests.Pipeline;

using ConVirt.Tests.Runtime;

namespace ConVirt.Tests.Prepared;

/// <summary>One `prepare` writer per output folder; a killed writer's lock does not block the rerun.</summary>
[Collection(TorchCollection.Name)]
public sealed class PrepareLockTests
{
    [Fact]
    public void ASecondPrepareIsRefusedAtOnceNamingTheFolderAndTheHolder()
    {
        var folder = Path.Combine(TinyRuns.TempFolder("prep-lock"), "ds");
        using var held = FolderLock.Acquire(folder, "prepare");
        var e = Assert.Throws<FolderLockedException>(() =>
            PrepareJob.Run(new PrepareOptions { Manifests = ["no-such-manifest.jsonl"], Out = folder, Threads = 1 }));
        Assert.Contains(folder, e.Message);
        Assert.Contains($"process {Environment.ProcessId} (prepare since", e.Message);
        Assert.DoesNotContain("no-such-manifest", e.Message);                       // refused before reading any input
        Assert.False(File.Exists(Path.Combine(folder, PreparedDatasetInfo.FileName)));   // nothing written
    }

    [Fact]
    public void TheCommandLineRefusesALockedFolderWithANonZeroExit()
    {
        var manifest = PreparedFixture.Synthetic("prep-lock-cli", 4, 24, seed: 5);
        var folder = Path.Combine(TinyRuns.TempFolder("prep-lock-cli-out"), "ds");
        using (FolderLock.Acquire(folder, "prepare"))
        {
            var (code, output) = ConVirt.Tests.Cli.CliRunner.Run("prepare", "--data", manifest, "--out", folder, "--short-side", "16", "--threads", "1");
            Assert.NotEqual(0, code);
            Assert.Contains("in use by process", output);
            Assert.False(File.Exists(Path.Combine(folder, PreparedDatasetInfo.FileName)));
        }
    }

    [Fact]
    public void ALockLeftByAPrepareKilledWithSigkillDoesNotBlockTheRerun()
    {
        var manifest = PreparedFixture.Synthetic("prep-lock-stale", 6, 24, seed: 6);
        var folder = Path.Combine(TinyRuns.TempFolder("prep-lock-stale-out"), "ds");
        Directory.CreateDirectory(folder);
        using var holder = ExternalLockHolder.Start(folder);   // another process holds the lock: it excludes us
        Assert.Throws<FolderLockedException>(() =>
            PrepareJob.Run(new PrepareOptions { Manifests = [manifest], Out = folder, ShortSide = 16, Threads = 1 }));

        holder.Kill();             // SIGKILL: the lock file stays, the lock goes with the process
        holder.WaitForExit();
        Assert.True(File.Exists(Path.Combine(folder, FolderLock.FileName)));
        var result = PrepareJob.Run(new PrepareOptions { Manifests = [manifest], Out = folder, ShortSide = 16, Threads = 1 });
        Assert.Equal(6, result.Info.Rows);
        Assert.Equal(6, PreparedDataset.Open(folder).Info.Rows);   // the lock files do not disturb reading the folder
    }
}
