using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ConVirt.Data.Dicom;

/// <summary>
/// Reads a DICOM Part 10 file (or a bare dataset) held in memory: preamble and File Meta, then the dataset
/// in the file's transfer syntax up to Pixel Data. Keeps only <see cref="DicomTag.Kept"/>; skips every other
/// element and sequence by its length or, for undefined lengths, by walking its items. Stops at Pixel Data.
/// </summary>
internal sealed class DicomParser
{
    /// <summary>The buffer ended before the parse did, and the file has more bytes: read more and retry.</summary>
    internal sealed class NeedMoreData : Exception;

    /// <summary>The data is not valid DICOM; the message is the reason.</summary>
    internal sealed class Failure(string reason) : Exception(reason);

    private const int MaxDepth = 32;
    private static readonly HashSet<string> LongVrs = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UR", "UT", "UN", "SV", "UV"];

    private byte[] _data;
    private int _end;
    private readonly bool _complete;
    private readonly DicomReadOptions _options;

    private DicomParser(byte[] data, int length, bool complete, DicomReadOptions options)
    {
        _data = data;
        _end = length;
        _complete = complete;
        _options = options;
    }

    /// <summary>What the parse found.</summary>
    internal sealed record Result(
        DicomDataset Dataset, DicomTransferSyntax Syntax, bool HasPreamble, bool HasFileMeta,
        byte[] Buffer, int BufferLength, DicomPixelData? PixelData);

    /// <summary>Parses <paramref name="length"/> bytes of <paramref name="data"/>.</summary>
    /// <param name="data">The file's first bytes.</param>
    /// <param name="length">How many of them are valid.</param>
    /// <param name="options">Limits.</param>
    /// <param name="complete">The bytes are the whole file (else <see cref="NeedMoreData"/> may be thrown).</param>
    /// <param name="readFragments">Also walk the fragments of encapsulated Pixel Data.</param>
    internal static Result Parse(byte[] data, int length, bool complete, bool readFragments, DicomReadOptions options)
        => new DicomParser(data, length, complete, options).Run(readFragments);

    /// <summary>True when the bytes start like DICOM: preamble + DICM, a File Meta group, or a bare dataset.</summary>
    internal static bool LooksLikeDicom(ReadOnlySpan<byte> head) =>
        (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8)) || LooksLikeBareDataset(head, out _) || StartsWithMeta(head);

    private static bool StartsWithMeta(ReadOnlySpan<byte> head) =>
        head.Length >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(head) == 0x0002 && IsVr(head[4], head[5]);

    /// <summary>
    /// A dataset without preamble or meta (ACR-NEMA style): its first element is in group 0008 (or another
    /// low, even group) with a small element number, and either an explicit VR or a plausible 32-bit length.
    /// </summary>
    private static bool LooksLikeBareDataset(ReadOnlySpan<byte> head, out bool explicitVr)
    {
        explicitVr = false;
        if (head.Length < 12) return false;
        ushort group = BinaryPrimitives.ReadUInt16LittleEndian(head);
        ushort element = BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
        if (group is not (0x0008 or 0x0010 or 0x0018 or 0x0020 or 0x0028) || element > 0x0100) return false;
        if (IsVr(head[4], head[5]) && Encoding.ASCII.GetString(head.Slice(4, 2)) is var vr && (DicomTag.Kept.ContainsKey(DicomTag.Of(group, element)) || element == 0 || vr is "UL" or "CS" or "UI" or "SH" or "DA" or "TM" or "LO"))
        {
            explicitVr = true;
            return true;
        }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        return element == 0 ? length == 4 : length < 1024;
    }

    private static bool IsVr(byte a, byte b) => a is >= (byte)'A' and <= (byte)'Z' && b is >= (byte)'A' and <= (byte)'Z';

    private Result Run(bool readFragments)
    {
        int pos;
        bool preamble = false, meta = false;
        var elements = new Dictionary<uint, DicomElement>();
        DicomTransferSyntax syntax;
        var head = _data.AsSpan(0, _end);
        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            preamble = true;
            pos = 132;
        }
        else if (StartsWithMeta(head))
        {
            pos = 0;
        }
        else if (LooksLikeBareDataset(head, out bool bareExplicit))
        {
            pos = 0;
            syntax = bareExplicit ? DicomTransferSyntax.ExplicitVrLittleEndian : DicomTransferSyntax.ImplicitVrLittleEndian;
            return ParseDataset(elements, pos, syntax, preamble, meta, readFragments);
        }
        else if (!_complete && head.Length < 132)
        {
            throw new NeedMoreData();
        }
        else
        {
            throw new Failure(head.Length < 132
                ? $"not a DICOM file: {head.Length} bytes, too short for the 128-byte preamble and 'DICM', and no recognisable dataset header"
                : "not a DICOM file: no 'DICM' marker at byte 128 and no recognisable dataset header at byte 0");
        }

        // File Meta: always Explicit VR Little Endian, every element in group 0002.
        var metaEncoding = new Enc(true, false);
        while (pos + 4 <= _end && BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)) == 0x0002)
        {
            meta = true;
            pos = ReadElement(pos, metaEncoding, elements, 0, inMeta: true);
        }
        if (pos + 8 > _end)
        {
            if (!_complete) throw new NeedMoreData();
            Truncated(meta ? "after the File Meta group, before any dataset element" : "after 'DICM', before any dataset element");
        }
        var uid = new DicomDataset(elements).GetString(DicomTag.TransferSyntaxUid);
        if (meta && uid is null) throw new Failure("the File Meta group has no Transfer Syntax UID (0002,0010)");
        syntax = uid is null ? DicomTransferSyntax.ImplicitVrLittleEndian : DicomTransferSyntax.FromUid(uid);
        if (!meta)
        {
            // preamble + DICM but no meta: guess the encoding from the first element
            syntax = IsVr(_data[pos + 4], _data[pos + 5]) ? DicomTransferSyntax.ExplicitVrLittleEndian : DicomTransferSyntax.ImplicitVrLittleEndian;
        }
        if (syntax.DeflatedDataset)
        {
            Inflate(pos);
            pos = 0;
        }
        return ParseDataset(elements, pos, syntax, preamble, meta, readFragments);
    }

    private void Inflate(int pos)
    {
        if (!_complete) throw new NeedMoreData();
        using var input = new MemoryStream(_data, pos, _end - pos, writable: false);
        using var deflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int n;
            while ((n = deflate.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + n > _options.MaxInflatedBytes)
                    throw new Failure($"the deflated dataset inflates to more than {_options.MaxInflatedBytes:N0} bytes; refused");
                output.Write(buffer, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw new Failure($"the deflated dataset (Deflated Explicit VR Little Endian) is corrupt ({e.Message})");
        }
        _data = output.GetBuffer();
        _end = (int)output.Length;
    }

    private Result ParseDataset(Dictionary<uint, DicomElement> elements, int pos, DicomTransferSyntax syntax, bool preamble, bool meta, bool readFragments)
    {
        var enc = new Enc(syntax.ExplicitVr, syntax.BigEndian);
        while (true)
        {
            if (pos > _options.MaxHeaderBytes)
                throw new Failure($"no Pixel Data (7FE0,0010) within the first {_options.MaxHeaderBytes:N0} bytes of the dataset (the reader's header limit)");
            if (pos == _end)
            {
                if (!_complete) throw new NeedMoreData();
                return new Result(new DicomDataset(elements), syntax, preamble, meta, _data, _end, null);
            }
            if (pos + 4 > _end) Truncated("inside an element header");
            uint tag = ReadTag(pos, enc);
            if (tag == DicomTag.PixelData)
            {
                var pixels = ReadPixelData(pos, enc, readFragments);
                return new Result(new DicomDataset(elements), syntax, preamble, meta, _data, _end, pixels);
            }
            if (tag > DicomTag.PixelData && tag < 0xFFFE_0000)
                return new Result(new DicomDataset(elements), syntax, preamble, meta, _data, _end, null);
            pos = ReadElement(pos, enc, elements, 0, inMeta: false);
        }
    }

    private readonly record struct Enc(bool Explicit, bool BigEndian);

    private readonly record struct Header(uint Tag, string Vr, uint Length, int ValueOffset);

    private ushort U16(int pos, Enc enc) =>
        enc.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(pos)) : BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos));

    private uint U32(int pos, Enc enc) =>
        enc.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(pos)) : BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos));

    private uint ReadTag(int pos, Enc enc) => ((uint)U16(pos, enc) << 16) | U16(pos + 2, enc);

    private void Need(int pos, long count, string where)
    {
        if (pos + count <= _end) return;
        if (!_complete) throw new NeedMoreData();
        Truncated(where);
    }

    private static void Truncated(string where) => throw new Failure($"truncated: the file ends {where}");

    private Header ReadHeader(int pos, Enc enc)
    {
        Need(pos, 8, "inside an element header");
        uint tag = ReadTag(pos, enc);
        if (tag >> 16 == 0xFFFE)
            return new Header(tag, "", U32(pos + 4, enc), pos + 8);
        if (!enc.Explicit)
            return new Header(tag, ImplicitVr(tag), U32(pos + 4, enc), pos + 8);
        byte a = _data[pos + 4], b = _data[pos + 5];
        if (!IsVr(a, b))
            throw new Failure($"invalid value representation (bytes 0x{a:X2} 0x{b:X2}) for element {DicomTag.Format(tag)} at offset {pos}");
        string vr = Encoding.ASCII.GetString(_data, pos + 4, 2);
        if (LongVrs.Contains(vr))
        {
            Need(pos, 12, "inside an element header");
            return new Header(tag, vr, U32(pos + 8, enc), pos + 12);
        }
        return new Header(tag, vr, U16(pos + 6, enc), pos + 8);
    }

    private static string ImplicitVr(uint tag) => DicomTag.Kept.TryGetValue(tag, out var vr) ? vr switch { "xs" => "US", "ox" => "OW", _ => vr } : "UN";

    /// <summary>Reads (keeping it when wanted) or skips one element; returns the position after it.</summary>
    private int ReadElement(int pos, Enc enc, Dictionary<uint, DicomElement>? keep, int depth, bool inMeta)
    {
        var h = ReadHeader(pos, enc);
        uint tag = h.Tag;
        if (tag == DicomTag.Item)
        {
            // a stray item outside any sequence (seen in real files): skip it whole, as lenient readers do
            return h.Length == uint.MaxValue ? SkipUndefinedItem(h.ValueOffset, new Enc(enc.Explicit, enc.BigEndian), depth + 1) : Skip(h, "a stray item");
        }
        if (tag is DicomTag.ItemDelimitationItem or DicomTag.SequenceDelimitationItem)
            return h.ValueOffset; // stray delimiter: nothing to skip
        bool kept = keep is not null && DicomTag.Kept.ContainsKey(tag) && (inMeta || tag >> 16 != 0x0002);
        string vr = h.Vr == "UN" && DicomTag.Kept.TryGetValue(tag, out _) ? ImplicitVr(tag) : h.Vr;
        bool isSequence = vr == "SQ" || (h.Length == uint.MaxValue && vr is "UN" or "OB" or "OW" || (h.Length == uint.MaxValue && !enc.Explicit));
        if (h.Length == uint.MaxValue && (tag == DicomTag.PixelData || (enc.Explicit && vr is "OB" or "OW")))
            return SkipFragments(h.ValueOffset, enc, tag); // encapsulated pixel data inside an item (e.g. an icon image)
        if (isSequence)
        {
            // the contents of an undefined-length UN are Implicit VR Little Endian (PS3.5 6.2.2)
            var inner = h.Vr == "UN" && enc.Explicit ? new Enc(false, false) : enc;
            var items = kept && vr == "SQ" ? new List<DicomDataset>() : null;
            int after = ReadSequence(h, inner, items, depth + 1);
            if (items is not null) keep![tag] = new DicomElement(tag, "SQ", ReadOnlyMemory<byte>.Empty, enc.BigEndian, items);
            return after;
        }
        if (h.Length == uint.MaxValue)
            throw new Failure($"element {DicomTag.Format(tag)} at offset {pos} has an undefined length, which only sequences may have");
        int end = Skip(h, $"inside element {DicomTag.Format(tag)} (its length {h.Length} runs past the end)");
        if (kept)
            keep![tag] = new DicomElement(tag, vr, _data.AsMemory(h.ValueOffset, (int)h.Length), enc.BigEndian);
        return end;
    }

    private int Skip(Header h, string where)
    {
        Need(h.ValueOffset, h.Length, where);
        return h.ValueOffset + (int)h.Length;
    }

    private int ReadSequence(Header h, Enc enc, List<DicomDataset>? items, int depth)
    {
        if (depth > MaxDepth) throw new Failure($"sequences nested more than {MaxDepth} deep at {DicomTag.Format(h.Tag)}");
        int pos = h.ValueOffset;
        int end = h.Length == uint.MaxValue ? int.MaxValue : Skip(h, $"inside sequence {DicomTag.Format(h.Tag)} (its length {h.Length} runs past the end)");
        while (pos < end)
        {
            if (h.Length == uint.MaxValue && pos + 8 > _end)
            {
                if (!_complete) throw new NeedMoreData();
                throw new Failure($"truncated: the undefined-length sequence {DicomTag.Format(h.Tag)} never ends (no Sequence Delimitation Item before the end of the file)");
            }
            Need(pos, 8, $"inside sequence {DicomTag.Format(h.Tag)}");
            uint tag = ReadTag(pos, enc);
            uint length = U32(pos + 4, enc);
            pos += 8;
            if (tag == DicomTag.SequenceDelimitationItem) return pos;
            if (tag != DicomTag.Item)
                throw new Failure($"expected an Item (FFFE,E000) in sequence {DicomTag.Format(h.Tag)} at offset {pos - 8}, found {DicomTag.Format(tag)}");
            var kept = items is null ? null : new Dictionary<uint, DicomElement>();
            if (length == uint.MaxValue)
            {
                pos = ReadUndefinedItem(pos, enc, kept, depth);
            }
            else
            {
                Need(pos, length, $"inside an item of sequence {DicomTag.Format(h.Tag)} (its length {length} runs past the end)");
                int itemEnd = pos + (int)length;
                if (itemEnd > end) throw new Failure($"an item of sequence {DicomTag.Format(h.Tag)} runs past the end of the sequence");
                while (pos < itemEnd) pos = ReadElement(pos, enc, kept, depth + 1, inMeta: false);
                if (pos != itemEnd) throw new Failure($"an element runs past the end of its item in sequence {DicomTag.Format(h.Tag)}");
            }
            if (kept is not null) items!.Add(new DicomDataset(kept));
        }
        if (pos != end) throw new Failure($"an item runs past the end of sequence {DicomTag.Format(h.Tag)}");
        return pos;
    }

    private int ReadUndefinedItem(int pos, Enc enc, Dictionary<uint, DicomElement>? kept, int depth)
    {
        if (depth > MaxDepth) throw new Failure($"items nested more than {MaxDepth} deep");
        while (true)
        {
            if (pos + 8 > _end)
            {
                if (!_complete) throw new NeedMoreData();
                throw new Failure("truncated: an undefined-length item never ends (no Item Delimitation Item before the end of the file)");
            }
            if (ReadTag(pos, enc) == DicomTag.ItemDelimitationItem) return pos + 8;
            pos = ReadElement(pos, enc, kept, depth + 1, inMeta: false);
        }
    }

    private int SkipFragments(int pos, Enc enc, uint tag)
    {
        while (true)
        {
            Need(pos, 8, $"inside the encapsulated value of {DicomTag.Format(tag)}");
            uint item = ReadTag(pos, enc);
            uint length = U32(pos + 4, enc);
            pos += 8;
            if (item == DicomTag.SequenceDelimitationItem) return pos;
            if (item != DicomTag.Item || length == uint.MaxValue)
                throw new Failure($"encapsulated value of {DicomTag.Format(tag)}: expected an Item at offset {pos - 8}, found {DicomTag.Format(item)}");
            Need(pos, length, $"inside a fragment of {DicomTag.Format(tag)} (its length {length} runs past the end)");
            pos += (int)length;
        }
    }

    private int SkipUndefinedItem(int pos, Enc enc, int depth) => ReadUndefinedItem(pos, enc, null, depth);

    private DicomPixelData ReadPixelData(int pos, Enc enc, bool readFragments)
    {
        var h = ReadHeader(pos, enc);
        if (h.Length != uint.MaxValue)
        {
            long available = Math.Max(0, _end - h.ValueOffset);
            return new DicomPixelData(false, h.ValueOffset, h.Length, (int)Math.Min(h.Length, available), enc.BigEndian, h.Vr, [], false);
        }
        if (!readFragments)
            return new DicomPixelData(true, h.ValueOffset, h.Length, 0, false, h.Vr, [], false);
        var fragments = new List<(int Offset, int Length)>();
        int p = h.ValueOffset;
        bool delimited = false;
        while (true)
        {
            if (p == _end) break; // no Sequence Delimitation Item: the file ends after a complete fragment
            if (p + 8 > _end)
                throw new Failure($"truncated: the file ends inside the header of Pixel Data fragment {fragments.Count}");
            uint tag = ReadTag(p, enc);
            uint length = U32(p + 4, enc);
            if (tag == DicomTag.SequenceDelimitationItem) { delimited = true; break; }
            if (tag != DicomTag.Item)
                throw new Failure($"encapsulated Pixel Data: expected an Item (FFFE,E000) at offset {p}, found {DicomTag.Format(tag)}");
            if (length == uint.MaxValue || p + 8 + (long)length > _end)
                throw new Failure($"encapsulated Pixel Data: fragment {fragments.Count} at offset {p} says {length} bytes, past the end of the file ({_end - p - 8} left)");
            fragments.Add((p + 8, (int)length));
            p += 8 + (int)length;
        }
        return new DicomPixelData(true, h.ValueOffset, h.Length, 0, false, h.Vr, fragments, !delimited);
    }
}
