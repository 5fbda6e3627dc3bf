using System.Globalization;

namespace ConVirt.Runtime;

/// <summary>Writes a file so that it is never seen half-written: into a temporary name beside it, then a rename.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> (its folder is created when missing).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // process and thread in the name: concurrent writers of one path never share a temporary file
        string temp = string.Create(CultureInfo.InvariantCulture, $"{full}.tmp-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                stream.Write(bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text (no byte order mark).</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    /// <summary>
    /// Streams a file into a temporary name beside <paramref name="path"/> through <paramref name="write"/>, then renames
    /// it into place; on an exception (or cancellation) the temporary file is deleted and <paramref name="path"/> is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = string.Create(CultureInfo.InvariantCulture, $"{full}.tmp-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
