using System.Formats.Tar;
using System.Security.Cryptography;

namespace ConVirt.Data.Prepared;

/// <summary>
/// Reads the rows of a shard in file order, grouping consecutive entries by key (WebDataset semantics: the key is
/// the entry name up to its first dot, the rest its extension). Either streams every byte through SHA-256 (training:
/// the hash is compared with dataset.json when the shard ends) or seeks past the image data (indexing: offsets only).
/// </summary>
internal sealed class ShardReader : IDisposable
{
    private readonly string path;
    private readonly FileStream file;
    private readonly HashingStream? hashing;
    private readonly TarReader reader;
    private readonly bool readImages;
    private TarEntry? pending;
    private bool ended;

    /// <summary>Opens <paramref name="path"/>; <paramref name="readImages"/> reads image bytes (and hashes the file), otherwise only offsets.</summary>
    /// <exception cref="PreparedDatasetException">The shard is missing or unreadable.</exception>
    public ShardReader(string path, bool readImages)
    {
        this.path = path;
        this.readImages = readImages;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PreparedDatasetException(path, $"{path}: cannot open shard ({(e is FileNotFoundException ? "file not found" : e.Message)})", e);
        }
        hashing = readImages ? new HashingStream(file) : null;
        reader = new TarReader(hashing ?? (Stream)file, leaveOpen: true);
    }

    /// <summary>The SHA-256 of the whole file (lower-case hex) once <see cref="Next"/> returned null; null when images are not read.</summary>
    public string? FileSha256() => hashing is { } h && ended ? h.Finish() : null;

    /// <summary>The next row, or null at the end of the archive.</summary>
    /// <exception cref="PreparedDatasetException">The tar structure is corrupt or truncated (message names the shard).</exception>
    public ShardSample? Next()
    {
        if (ended) return null;
        try
        {
            var first = pending ?? NextFile();
            pending = null;
            if (first is null) { ended = true; return null; }
            string key = KeyOf(first.Name);
            // found by fuzzing: a member named ".png" gave a sample with an empty key
            if (key.Length == 0 || key.EndsWith('/')) throw new InvalidDataException($"member '{first.Name}' has no key before its extension");
            byte[]? png = null, json = null;
            string? text = null;
            long pngOffset = -1;
            int pngLength = 0;
            for (var entry = first; entry is not null; entry = NextFile())
            {
                if (KeyOf(entry.Name) != key) { pending = entry; break; }
                // a member without an extension is no part of a sample (found by fuzzing: it threw ArgumentOutOfRangeException)
                string extension = entry.Name.Length > key.Length ? entry.Name[(key.Length + 1)..] : "";
                switch (extension)
                {
                    case "png":
                        pngLength = checked((int)entry.Length);
                        if (readImages) png = ReadAll(entry);
                        else pngOffset = entry.DataOffset;
                        break;
                    case "txt": text = System.Text.Encoding.UTF8.GetString(ReadAll(entry)); break;
                    case "json": json = ReadAll(entry); break;
                }
            }
            return new ShardSample(key, png, pngOffset, pngLength, text, json);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or OverflowException or IOException)
        {
            throw new PreparedDatasetException(path, $"{path}: corrupt or truncated shard ({e.Message})", e);
        }
    }

    private TarEntry? NextFile()
    {
        while (reader.GetNextEntry(copyData: false) is { } entry)
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile) return entry;
        return null;
    }

    private static string KeyOf(string name)
    {
        int slash = name.LastIndexOf('/');
        int dot = name.IndexOf('.', slash + 1);
        return dot < 0 ? name : name[..dot];
    }

    private byte[] ReadAll(TarEntry entry)
    {
        // a header may claim any size: nothing larger than the shard file itself is allocated
        if (entry.Length > file.Length)
            throw new InvalidDataException($"member {entry.Name} claims {entry.Length:N0} bytes in a file of {file.Length:N0}");
        var data = new byte[checked((int)entry.Length)];
        if (entry.DataStream is { } s) s.ReadExactly(data);
        return data;
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> of a shard (an indexed image).</summary>
    public static byte[] ReadAt(string path, long offset, int length)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        s.Seek(offset, SeekOrigin.Begin);
        var data = new byte[length];
        s.ReadExactly(data);
        return data;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        reader.Dispose();
        hashing?.Dispose();
        file.Dispose();
    }

    /// <summary>A read-only, forward-only view of a stream that hashes what passes through.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private string? result;

        public string Finish()
        {
            if (result is not null) return result;
            // the tar reader stops at the end-of-archive blocks: the padding after them belongs to the file too
            var rest = new byte[1 << 16];
            int n;
            while ((n = inner.Read(rest)) > 0) hash.AppendData(rest, 0, n);
            result = Convert.ToHexStringLower(hash.GetHashAndReset());
            return result;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            hash.AppendData(buffer[..n]);
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
