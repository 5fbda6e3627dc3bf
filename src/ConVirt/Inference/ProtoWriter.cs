using System.Buffers.Binary;
using System.Text;

namespace ConVirt.Inference;

/// <summary>
/// A writer of the protocol-buffers wire format into a growing buffer: tags, varints (wire type 0),
/// 32-bit floats (5) and length-delimited values (2). The counterpart of <see cref="Interop.ProtoReader"/>.
/// A nested message is written into its own <see cref="ProtoWriter"/> and added with <see cref="WriteMessage"/>.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream buffer = new();

    /// <summary>Bytes written so far.</summary>
    public long Length => buffer.Length;

    /// <summary>The message's bytes.</summary>
    public ReadOnlySpan<byte> Bytes => buffer.GetBuffer().AsSpan(0, (int)buffer.Length);

    /// <summary>Copies the message's bytes to <paramref name="stream"/>.</summary>
    public void CopyTo(Stream stream) => stream.Write(Bytes);

    /// <summary>A varint field (int64, int32, enum, bool); negative values take ten bytes, as protobuf's int64 does.</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, 0);
        WriteVarint(unchecked((ulong)value));
    }

    /// <summary>A 32-bit float field.</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        buffer.Write(bytes);
    }

    /// <summary>A UTF-8 string field.</summary>
    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A length-delimited bytes field.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, 2);
        WriteVarint((ulong)value.Length);
        buffer.Write(value);
    }

    /// <summary>A nested message field.</summary>
    public void WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message.Bytes);

    /// <summary>A packed repeated int64 field (nothing is written for an empty list, as protobuf does).</summary>
    public void WritePackedInt64(int field, IReadOnlyList<long> values)
    {
        if (values.Count == 0) return;
        var inner = new ProtoWriter();
        foreach (var v in values) inner.WriteVarint(unchecked((ulong)v));
        WriteBytes(field, inner.Bytes);
    }

    /// <summary>A packed repeated float field.</summary>
    public void WritePackedFloat(int field, IReadOnlyList<float> values)
    {
        if (values.Count == 0) return;
        var bytes = new byte[values.Count * 4];
        for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        WriteBytes(field, bytes);
    }

    /// <summary>The key of a field: (number &lt;&lt; 3) | wire type.</summary>
    public void WriteTag(int field, int wireType)
    {
        if (field < 1) throw new ArgumentOutOfRangeException(nameof(field), field, "protobuf field numbers start at 1");
        WriteVarint(((ulong)field << 3) | (uint)wireType);
    }

    /// <summary>Base-128 varint, least significant group first.</summary>
    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        buffer.WriteByte((byte)value);
    }

    /// <summary>How many bytes <see cref="WriteVarint"/> takes for <paramref name="value"/>.</summary>
    public static int VarintSize(ulong value)
    {
        int size = 1;
        while (value >= 0x80) { value >>= 7; size++; }
        return size;
    }
}
