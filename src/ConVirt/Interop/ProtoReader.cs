using System.Buffers.Binary;
using System.Text;

namespace ConVirt.Interop;

/// <summary>
/// A forward-only reader of the protocol-buffers wire format over one message's bytes: a sequence of
/// (field number, wire type, value) with varints (type 0), 64-bit (1), length-delimited (2) and 32-bit (5) values.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> data;
    private int position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        this.data = data;
        position = 0;
    }

    /// <summary>Field number of the current field.</summary>
    public int Field { get; private set; }

    /// <summary>Wire type of the current field.</summary>
    public int WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (position >= data.Length) return false;
        ulong key = ReadVarint();
        Field = (int)(key >> 3);
        WireType = (int)(key & 7);
        if (Field == 0) throw new InvalidDataException("protobuf field number 0");
        return true;
    }

    /// <summary>A varint (wire type 0), as unsigned.</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length) throw new InvalidDataException("protobuf varint runs past the end of the message");
            byte b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }

    /// <summary>A varint field read as a signed 64-bit integer (int64/int32 two's complement).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>A 32-bit float (wire type 5).</summary>
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>A length-delimited value (wire type 2).</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(data.Length - position))
            throw new InvalidDataException($"protobuf length {length} runs past the end of the message ({data.Length - position} bytes left)");
        return Take((int)length);
    }

    /// <summary>A UTF-8 string (wire type 2).</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    /// <summary>Skips the current field's value.</summary>
    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadVarint(); break;
            case 1: Take(8); break;
            case 2: ReadBytes(); break;
            case 5: Take(4); break;
            default: throw new InvalidDataException($"unsupported protobuf wire type {WireType} (field {Field})");
        }
    }

    /// <summary>Appends a repeated int64 field, packed (wire type 2) or not (wire type 0).</summary>
    public void ReadRepeatedInt64(List<long> into)
    {
        if (WireType == 0) { into.Add(ReadInt64()); return; }
        var inner = new ProtoReader(ReadBytes());
        while (inner.position < inner.data.Length) into.Add(inner.ReadInt64());
    }

    /// <summary>Appends a repeated float field, packed (wire type 2) or not (wire type 5).</summary>
    public void ReadRepeatedFloat(List<float> into)
    {
        if (WireType == 5) { into.Add(ReadFloat()); return; }
        var bytes = ReadBytes();
        if (bytes.Length % 4 != 0) throw new InvalidDataException("packed float field length is not a multiple of 4");
        for (int i = 0; i < bytes.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i, 4)));
    }

    /// <summary>Appends a repeated double field, packed (wire type 2) or not (wire type 1).</summary>
    public void ReadRepeatedDouble(List<double> into)
    {
        if (WireType == 1) { into.Add(BinaryPrimitives.ReadDoubleLittleEndian(Take(8))); return; }
        var bytes = ReadBytes();
        if (bytes.Length % 8 != 0) throw new InvalidDataException("packed double field length is not a multiple of 8");
        for (int i = 0; i < bytes.Length; i += 8) into.Add(BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(i, 8)));
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > data.Length - position)
            throw new InvalidDataException($"protobuf value of {count} bytes runs past the end of the message");
        var span = data.Slice(position, count);
        position += count;
        return span;
    }
}
