using System.Diagnostics;
using ConVirt.Runtime;
using ConVirt.Training;

namespace ConVirt.Tests.Runtime;

/// <summary>One writer per output folder; a killed writer's lock does not block the next one.</summary>
public sealed class FolderLockTests
{
    static string NewFolder() => Path.Combine(Path.GetTempPath(), "convirt-lock-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void ASecondWriterIsRefusedNamingTheFolderAndTheHolder()
    {
        var folder = NewFolder();
        using (FolderLock.Acquire(folder, "pretrain"))
        {
            var e = Assert.Throws<FolderLockedException>(() => FolderLock.Acquire(folder, "pretrain"));
            Assert.Contains(folder, e.Message);
            Assert.Contains($"process {Environment.ProcessId} (pretrain since", e.Message);
        }
        // released: the next writer gets it
        using (FolderLock.Acquire(folder, "pretrain")) { }
    }

    [Fact]
    public void PretrainOnALockedRunFolderIsRefusedBeforeReadingAnyData()
    {
        var folder = NewFolder();
        using var held = FolderLock.Acquire(folder, "pretrain");
        var e = Assert.Throws<FolderLockedException>(() =>
            PretrainingJob.Run(new ConVirt.Configuration.ConVirtConfig(), new PretrainingInputs("no-such-manifest.jsonl"), folder, resume: false));
        Assert.DoesNotContain("no-such-manifest", e.Message);
    }

    [Fact]
    public void ALockHeldByAProcessKilledWithSigkillDoesNotBlock()
    {
        var folder = NewFolder();
        Directory.CreateDirectory(folder);
        using var holder = ExternalLockHolder.Start(folder);   // another process holds the lock: it excludes us

        holder.Kill();             // SIGKILL: no cleanup in the holder
        holder.WaitForExit();
        using var mine = FolderLock.Acquire(folder, "pretrain");   // a stale lock file is no lock
        Assert.True(File.Exists(Path.Combine(folder, FolderLock.FileName)));
    }
}
