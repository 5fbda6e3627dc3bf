using System.Diagnostics;
using ConVirt.Runtime;

namespace ConVirt.Tests.Runtime;

/// <summary>Another process holding a folder's <see cref="FolderLock"/>: util-linux flock(1) takes the same flock(2) lock.</summary>
static class ExternalLockHolder
{
    /// <summary>Starts the holder on <paramref name="folder"/> and returns once this process sees the lock refused to it.</summary>
    public static Process Start(string folder)
    {
        // --no-fork: sleep is the process holding the lock, so killing it releases the lock
        var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--no-fork", Path.Combine(folder, FolderLock.FileName), "sleep", "60"])
            { RedirectStandardError = true })!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try { FolderLock.Acquire(folder, "probe").Dispose(); Thread.Sleep(50); }   // holder not started yet
            catch (FolderLockedException) { return holder; }
        }
        holder.Kill();
        holder.Dispose();
        throw new TimeoutException($"flock did not take the lock on {folder} within 20 s");
    }
}
