using System.Buffers.Binary;

namespace ConVirt.Data.Dicom;

/// <summary>
/// A DICOM file opened for decoding: its <see cref="Header"/> and the bytes of each frame (native bytes in
/// little-endian order, or the concatenated fragments of an encapsulated frame). Reads Part 10 files with or
/// without the preamble and File Meta, in Implicit / Explicit VR Little Endian, Explicit VR Big Endian and
/// Deflated Explicit VR Little Endian.
/// </summary>
/// <remarks>Every failure is a <see cref="DicomFileException"/> naming the file and what is wrong. The image
/// geometry is checked against <see cref="DicomReadOptions.MaxPixels"/> and the Pixel Data length before any
/// pixel buffer is allocated.</remarks>
internal sealed class DicomFile
{
    private const int FirstHeaderRead = 256 << 10;

    private readonly byte[] _buffer;
    private readonly DicomPixelData _pixels;
    private readonly (int First, int Count)[] _frameFragments;

    private DicomFile(string path, DicomHeader header, byte[] buffer, DicomPixelData pixels, (int, int)[] frameFragments)
    {
        Path = path;
        Header = header;
        _buffer = buffer;
        _pixels = pixels;
        _frameFragments = frameFragments;
    }

    /// <summary>The file as it was given.</summary>
    public string Path { get; }

    /// <summary>The kept header attributes.</summary>
    public DicomHeader Header { get; }

    /// <summary>Number of frames (Number of Frames, 1 when absent).</summary>
    public int FrameCount => Header.NumberOfFrames;

    /// <summary>Fragments of encapsulated Pixel Data (0 for native data), Basic Offset Table not counted.</summary>
    public int FragmentCount => _pixels.Encapsulated ? _pixels.Items.Count - 1 : 0;

    /// <summary>The encapsulated Pixel Data has a non-empty Basic Offset Table.</summary>
    public bool HasBasicOffsetTable => _pixels.Encapsulated && _pixels.Items[0].Length > 0;

    /// <summary>True when the bytes look like DICOM (preamble + "DICM", a File Meta group, or a bare dataset).</summary>
    public static bool LooksLikeDicom(ReadOnlySpan<byte> head) => DicomParser.LooksLikeDicom(head);

    /// <summary>Reads the first bytes of <paramref name="path"/> and says whether they look like DICOM.</summary>
    public static bool LooksLikeDicom(string path)
    {
        Span<byte> head = stackalloc byte[132];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return LooksLikeDicom(head[..n]);
    }

    /// <summary>
    /// Reads only the header (up to Pixel Data, at most <see cref="DicomReadOptions.MaxHeaderBytes"/>), for
    /// manifest builders walking large archives: pixel data is not read.
    /// </summary>
    /// <exception cref="DicomFileException">Not DICOM, truncated or malformed.</exception>
    public static DicomHeader ReadHeader(string path, DicomReadOptions? options = null)
    {
        options ??= DicomReadOptions.Default;
        options.Validate();
        return Guard(path, () =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            long fileLength = stream.Length;
            long limit = Math.Min(fileLength, Math.Min(int.MaxValue - 64, options.MaxHeaderBytes + 4096));
            int size = (int)Math.Min(limit, FirstHeaderRead);
            var buffer = new byte[size];
            int filled = 0;
            while (true)
            {
                filled += stream.ReadAtLeast(buffer.AsSpan(filled), buffer.Length - filled, throwOnEndOfStream: false);
                bool complete = filled >= fileLength;
                bool limited = !complete && filled >= limit; // the file goes on past the header limit
                try
                {
                    var result = DicomParser.Parse(buffer, filled, complete || limited, readFragments: false, options);
                    return new DicomHeader(result.Dataset, result.Syntax, result.HasPreamble, result.HasFileMeta);
                }
                catch (DicomParser.Failure f) when (limited && f.Message.StartsWith("truncated", StringComparison.Ordinal))
                {
                    throw new DicomParser.Failure($"no Pixel Data (7FE0,0010) within the first {options.MaxHeaderBytes:N0} bytes of the dataset (the reader's header limit)");
                }
                catch (DicomParser.NeedMoreData)
                {
                    int next = (int)Math.Min(limit, (long)buffer.Length * 8);
                    Array.Resize(ref buffer, next);
                }
            }
        });
    }

    /// <summary>Reads the whole file and locates its frames.</summary>
    /// <exception cref="DicomFileException">Not DICOM, truncated, malformed, without Pixel Data, with a frame
    /// table that does not match the fragments, or an image larger than the limit.</exception>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        options ??= DicomReadOptions.Default;
        options.Validate();
        return Guard(path, () =>
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new DicomParser.Failure("file not found");
            if (info.Length > int.MaxValue - 64) throw new DicomParser.Failure($"file is {info.Length:N0} bytes, more than the 2 GiB a DICOM file may have here");
            var bytes = File.ReadAllBytes(path);
            var result = DicomParser.Parse(bytes, bytes.Length, complete: true, readFragments: true, options);
            var header = new DicomHeader(result.Dataset, result.Syntax, result.HasPreamble, result.HasFileMeta);
            var pixels = result.PixelData ?? throw new DicomParser.Failure("no Pixel Data (7FE0,0010): not an image");
            CheckGeometry(header, options);
            var frames = pixels.Encapsulated
                ? AssignFragments(header, pixels, result.Buffer)
                : CheckNative(header, pixels);
            return new DicomFile(path, header, result.Buffer, pixels, frames);
        });
    }

    /// <summary>
    /// The bytes of frame <paramref name="index"/>: for native syntaxes the frame's samples in little-endian
    /// order (1-bit frames start at bit 0 of their first byte); for encapsulated syntaxes the frame's fragments
    /// concatenated.
    /// </summary>
    /// <exception cref="DicomFileException">The index is not a frame of the file.</exception>
    public ReadOnlyMemory<byte> GetFrameData(int index)
    {
        if (index < 0 || index >= FrameCount)
            throw new DicomFileException(Path, $"frame {index} requested, but the file has {FrameCount} frame(s) (0..{FrameCount - 1})");
        if (_pixels.Encapsulated)
        {
            var (first, count) = _frameFragments[index];
            if (count == 1)
            {
                var (o, l) = _pixels.Items[first];
                return _buffer.AsMemory(o, l);
            }
            int total = 0;
            for (int k = first; k < first + count; k++) total += _pixels.Items[k].Length;
            var joined = new byte[total];
            int at = 0;
            for (int k = first; k < first + count; k++)
            {
                var (o, l) = _pixels.Items[k];
                _buffer.AsSpan(o, l).CopyTo(joined.AsSpan(at));
                at += l;
            }
            return joined;
        }
        return NativeFrame(index);
    }

    private ReadOnlyMemory<byte> NativeFrame(int index)
    {
        var format = Header.PixelFormat;
        long bits = NativeFrameBits(format);
        long startBit = bits * index;
        int bytes = (int)((bits + 7) / 8);
        if (startBit % 8 == 0)
        {
            var slice = _buffer.AsMemory(_pixels.ValueOffset + (int)(startBit / 8), bytes);
            if (!_pixels.BigEndian || format.BitsAllocated <= 8) return slice;
            var swapped = slice.ToArray();
            if (format.BitsAllocated == 16)
                for (int i = 0; i + 1 < swapped.Length; i += 2) (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
            else
                for (int i = 0; i + 3 < swapped.Length; i += 4) BinaryPrimitives.WriteUInt32LittleEndian(swapped.AsSpan(i), BinaryPrimitives.ReadUInt32BigEndian(swapped.AsSpan(i)));
            return swapped;
        }
        // 1-bit frames that do not start on a byte boundary: shift them to bit 0
        var output = new byte[bytes];
        var source = _buffer.AsSpan(_pixels.ValueOffset);
        for (long b = 0; b < bits; b++)
        {
            long s = startBit + b;
            if ((source[(int)(s >> 3)] >> (int)(s & 7) & 1) != 0) output[b >> 3] |= (byte)(1 << (int)(b & 7));
        }
        return output;
    }

    /// <summary>Bits one native frame occupies (YBR_FULL_422 stores two samples per pixel).</summary>
    internal static long NativeFrameBits(DicomPixelFormat format) =>
        format.PixelCount * (format.Photometric == "YBR_FULL_422" && format.SamplesPerPixel == 3 ? 2 : format.SamplesPerPixel) * format.BitsAllocated;

    private static void CheckGeometry(DicomHeader header, DicomReadOptions options)
    {
        int rows = header.Rows, columns = header.Columns, samples = header.SamplesPerPixel, ba = header.BitsAllocated, bs = header.BitsStored;
        if (rows < 1 || columns < 1) throw new DicomParser.Failure($"Rows (0028,0010) and Columns (0028,0011) must be at least 1; the header says {rows} x {columns}");
        long pixels = (long)rows * columns;
        if (pixels > options.MaxPixels)
            throw new DicomParser.Failure($"image is {columns}x{rows} = {pixels:N0} pixels, more than the limit of {options.MaxPixels:N0}; refused before decoding");
        if (samples is not (1 or 3)) throw new DicomParser.Failure($"Samples per Pixel (0028,0002) is {samples}; only 1 and 3 are supported");
        if (ba is not (1 or 8 or 16 or 32)) throw new DicomParser.Failure($"Bits Allocated (0028,0100) is {ba}; only 1, 8, 16 and 32 are supported");
        if (bs < 1 || bs > ba) throw new DicomParser.Failure($"Bits Stored (0028,0101) is {bs}, outside 1..Bits Allocated ({ba})");
        if (ba == 32 && bs == 32 && header.PixelRepresentation == 0) throw new DicomParser.Failure("unsigned 32-bit stored values (Bits Stored 32) are not supported");
        if (header.PixelRepresentation is not (0 or 1)) throw new DicomParser.Failure($"Pixel Representation (0028,0103) is {header.PixelRepresentation}; it must be 0 or 1");
    }

    private static (int, int)[] CheckNative(DicomHeader header, DicomPixelData pixels)
    {
        var format = header.PixelFormat;
        long needed = (NativeFrameBits(format) * header.NumberOfFrames + 7) / 8;
        if (pixels.DeclaredLength > pixels.AvailableLength)
            throw new DicomParser.Failure($"truncated: Pixel Data says {pixels.DeclaredLength:N0} bytes but the file holds only {pixels.AvailableLength:N0} of them");
        if (pixels.DeclaredLength < needed)
            throw new DicomParser.Failure($"Pixel Data holds {pixels.DeclaredLength:N0} bytes, fewer than the {needed:N0} that Rows x Columns x Frames x Samples x Bits Allocated ({format.Rows} x {format.Columns} x {header.NumberOfFrames} x {format.SamplesPerPixel} x {format.BitsAllocated} bits) need");
        return [];
    }

    private static (int First, int Count)[] AssignFragments(DicomHeader header, DicomPixelData pixels, byte[] buffer)
    {
        var items = pixels.Items;
        if (items.Count == 0) throw new DicomParser.Failure("encapsulated Pixel Data holds no items (not even the Basic Offset Table)");
        int fragments = items.Count - 1;
        int frames = header.NumberOfFrames;
        if (fragments == 0) throw new DicomParser.Failure("encapsulated Pixel Data holds no frames (no fragment after the Basic Offset Table)");
        var (botOffset, botLength) = items[0];
        if (botLength % 4 != 0) throw new DicomParser.Failure($"the Basic Offset Table is {botLength} bytes, not a multiple of 4");
        int entries = botLength / 4;
        var result = new (int, int)[frames];
        if (entries > 0)
        {
            if (entries != frames) throw new DicomParser.Failure($"the Basic Offset Table has {entries} entries for {frames} frame(s)");
            // offsets count from the first byte of the first fragment's item tag
            int origin = items[1].Offset - 8;
            var starts = new Dictionary<long, int>();
            for (int k = 1; k < items.Count; k++) starts[items[k].Offset - 8 - origin] = k;
            int previous = 0;
            var first = new int[frames];
            for (int f = 0; f < frames; f++)
            {
                uint offset = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(botOffset + 4 * f));
                if (!starts.TryGetValue(offset, out int k) || (f == 0 && k != 1) || (f > 0 && k <= previous))
                    throw new DicomParser.Failure($"the Basic Offset Table does not match the fragments: entry {f} (offset {offset}) does not point at the start of a fragment after the previous frame's");
                first[f] = k;
                previous = k;
            }
            for (int f = 0; f < frames; f++)
                result[f] = (first[f], (f + 1 < frames ? first[f + 1] : items.Count) - first[f]);
            return result;
        }
        if (frames == 1) return [(1, fragments)];
        if (fragments == frames)
        {
            for (int f = 0; f < frames; f++) result[f] = (f + 1, 1);
            return result;
        }
        if (fragments < frames)
            throw new DicomParser.Failure($"{frames} frames declared but encapsulated Pixel Data holds only {fragments} fragment(s)");
        // no offset table and more fragments than frames: a frame starts at each fragment that opens a codestream
        var frameStarts = new List<int>();
        for (int k = 1; k < items.Count; k++)
            if (StartsCodestream(buffer.AsSpan(items[k].Offset, items[k].Length))) frameStarts.Add(k);
        if (frameStarts.Count != frames || frameStarts[0] != 1)
            throw new DicomParser.Failure($"{fragments} fragments for {frames} frames and no Basic Offset Table: cannot tell which fragments belong to which frame");
        for (int f = 0; f < frames; f++)
            result[f] = (frameStarts[f], (f + 1 < frames ? frameStarts[f + 1] : items.Count) - frameStarts[f]);
        return result;
    }

    /// <summary>JPEG / JPEG-LS (SOI FFD8), JPEG 2000 codestream (SOC FF4F) or JP2 signature box.</summary>
    private static bool StartsCodestream(ReadOnlySpan<byte> fragment) =>
        fragment.Length >= 4 && ((fragment[0] == 0xFF && fragment[1] is 0xD8 or 0x4F) || (fragment.Length >= 8 && fragment.Slice(4, 4).SequenceEqual("jP  "u8)));

    private static T Guard<T>(string path, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (DicomParser.Failure f)
        {
            throw new DicomFileException(path, f.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DicomFileException(path, $"cannot read file ({e.GetType().Name})", e);
        }
    }

    /// <summary>Geometry and encoding only (no header values).</summary>
    public override string ToString() => $"{System.IO.Path.GetFileName(Path)}: {Header}";
}
