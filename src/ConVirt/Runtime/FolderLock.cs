using System.Diagnostics;
using System.Globalization;

namespace ConVirt.Runtime;

/// <summary>
/// An exclusive writer's lock on an output folder (a run folder, a prepared dataset): a second writer is refused
/// at once with the folder and the holder's process id. The lock is the operating system's lock on
/// <c>DIR/.lock</c> (flock on Linux), so a killed holder (even kill -9) releases it and never blocks a
/// <c>--resume</c>; the holder's process id is written beside it for the message.
/// </summary>
internal sealed class FolderLock : IDisposable
{
    /// <summary>The lock file's name inside the folder.</summary>
    public const string FileName = ".lock";

    private const string OwnerFileName = ".lock.owner";

    private readonly FileStream stream;

    private FolderLock(FileStream stream) => this.stream = stream;

    /// <summary>Creates <paramref name="folder"/> when needed and locks it for this process.</summary>
    /// <param name="folder">The folder to lock.</param>
    /// <param name="purpose">What the holder does, for the message a second writer sees (e.g. "pretrain").</param>
    /// <exception cref="FolderLockedException">Another writer holds the folder.</exception>
    public static FolderLock Acquire(string folder, string purpose)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, FileName);
        FileStream stream;
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix (flock LOCK_EX | LOCK_NB) and a sharing lock on Windows
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new FolderLockedException(folder, HolderDescription(folder));
        }
        AtomicFile.WriteAllText(Path.Combine(folder, OwnerFileName), string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessId} {purpose} {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n"));
        return new FolderLock(stream);
    }

    /// <summary>"process 1234 (pretrain since ...)" from the owner file, or "another process" when unreadable.</summary>
    private static string HolderDescription(string folder)
    {
        try
        {
            var parts = File.ReadAllText(Path.Combine(folder, OwnerFileName)).Trim().Split(' ', 3);
            if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                return $"process {pid} ({parts[1]} since {parts[2]}{(IsRunning(pid) ? "" : ", not running now")})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return "another process";
    }

    private static bool IsRunning(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>Releases the lock (the files stay; an unlocked file is no lock).</summary>
    public void Dispose() => stream.Dispose();
}

/// <summary>Another writer holds an output folder.</summary>
internal sealed class FolderLockedException(string folder, string holder)
    : IOException($"{folder} is in use by {holder}: one writer at a time; wait for it to finish or stop it, then run again (--resume continues a run)")
{
    /// <summary>The locked folder.</summary>
    public string Folder { get; } = folder;
}
