using System.Formats.Tar;
using System.Security.Cryptography;

namespace ConVirt.Data.Prepared;

/// <summary>
/// Writes one WebDataset-style shard: per row <c>KEY.png</c>, <c>KEY.txt</c> (when the row has text) and
/// <c>KEY.json</c>, as plain ustar entries with fixed metadata (mode 0644, owner 0, a fixed time), so the same rows
/// give the same bytes. Written to a temporary name and renamed on <see cref="Finish"/>: never half-written.
/// </summary>
internal sealed class ShardWriter : IDisposable
{
    /// <summary>Modification time of every entry (fixed, so shards are reproducible).</summary>
    public static readonly DateTimeOffset EntryTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string path;
    private readonly string temp;
    private FileStream? stream;
    private TarWriter? writer;

    /// <summary>Starts the shard that will be <paramref name="path"/>.</summary>
    public ShardWriter(string path)
    {
        this.path = path;
        temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "." + System.IO.Path.GetFileName(path) + ".tmp");
        stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        writer = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true);
    }

    /// <summary>Rows added so far.</summary>
    public int Rows { get; private set; }

    /// <summary>Appends one row.</summary>
    public void Add(string key, byte[] png, string? text, byte[] json)
    {
        var w = writer ?? throw new InvalidOperationException("shard already finished");
        Entry(w, key + ".png", png);
        if (text is not null) Entry(w, key + ".txt", System.Text.Encoding.UTF8.GetBytes(text));
        Entry(w, key + ".json", json);
        Rows++;
    }

    /// <summary>Closes the tar, renames it into place and returns its size and SHA-256.</summary>
    public (long Bytes, string Sha256) Finish()
    {
        writer?.Dispose();
        writer = null;
        stream!.Flush(flushToDisk: true);
        stream.Dispose();
        stream = null;
        var hash = HashFile(temp);
        long bytes = new FileInfo(temp).Length;
        File.Move(temp, path, overwrite: true);
        return (bytes, hash);
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string HashFile(string file)
    {
        using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    private static void Entry(TarWriter w, string name, byte[] data)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(data, writable: false),
            ModificationTime = EntryTime,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            Uid = 0, Gid = 0, UserName = "", GroupName = "",
        };
        w.WriteEntry(entry);
    }

    /// <summary>Abandons an unfinished shard (its temporary file is deleted).</summary>
    public void Dispose()
    {
        if (stream is null) return;
        try { writer?.Dispose(); } catch (IOException) { }
        stream.Dispose();
        stream = null;
        try { File.Delete(temp); } catch (IOException) { }
    }
}
