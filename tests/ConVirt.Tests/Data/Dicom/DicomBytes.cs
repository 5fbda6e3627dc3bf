using System.Buffers.Binary;
using System.Text;

namespace ConVirt.Tests.Data.Dicom;

/// <summary>Builds DICOM bytes element by element (Explicit VR Little Endian unless told), for bad-input tests.</summary>
internal sealed class DicomBytes
{
    readonly MemoryStream _out = new();
    readonly bool _implicit;

    DicomBytes(bool implicitVr) => _implicit = implicitVr;

    /// <summary>Preamble, DICM and a File Meta group with <paramref name="transferSyntax"/>.</summary>
    public static DicomBytes WithMeta(string transferSyntax = "1.2.840.10008.1.2.1")
    {
        var meta = new DicomBytes(false);
        meta.Text(0x0002, 0x0010, "UI", transferSyntax);
        var b = new DicomBytes(transferSyntax == "1.2.840.10008.1.2");
        b._out.Write(new byte[128]);
        b._out.Write("DICM"u8);
        var group = new DicomBytes(false);
        group.UInt(0x0002, 0x0000, (uint)meta._out.Length);
        group._out.WriteTo(b._out);
        meta._out.WriteTo(b._out);
        return b;
    }

    /// <summary>No preamble, no meta.</summary>
    public static DicomBytes Bare(bool implicitVr = true) => new(implicitVr);

    public DicomBytes Raw(params byte[] bytes) { _out.Write(bytes); return this; }

    public DicomBytes Tag(ushort group, ushort element)
    {
        Span<byte> h = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(h, group);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], element);
        _out.Write(h);
        return this;
    }

    public DicomBytes U32(uint value)
    {
        Span<byte> h = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(h, value);
        _out.Write(h);
        return this;
    }

    /// <summary>An element header with an explicit (or, for implicit files, no) VR and the given length.</summary>
    public DicomBytes Header(ushort group, ushort element, string vr, uint length)
    {
        Tag(group, element);
        if (_implicit) return U32(length);
        _out.WriteByte((byte)vr[0]);
        _out.WriteByte((byte)vr[1]);
        if (vr is "OB" or "OW" or "SQ" or "UN" or "UT")
        {
            _out.WriteByte(0); _out.WriteByte(0);
            return U32(length);
        }
        Span<byte> l = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(l, checked((ushort)length));
        _out.Write(l);
        return this;
    }

    public DicomBytes Text(ushort group, ushort element, string vr, string value)
    {
        if (value.Length % 2 == 1) value += vr == "UI" ? "\0" : " ";
        Header(group, element, vr, (uint)value.Length);
        _out.Write(Encoding.ASCII.GetBytes(value));
        return this;
    }

    public DicomBytes US(ushort group, ushort element, ushort value)
    {
        Header(group, element, "US", 2);
        Span<byte> v = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(v, value);
        _out.Write(v);
        return this;
    }

    public DicomBytes UInt(ushort group, ushort element, uint value) { Header(group, element, "UL", 4); return U32(value); }

    /// <summary>The image pixel module for a grey image.</summary>
    public DicomBytes Image(int rows, int columns, int bits = 8, int frames = 1, string photometric = "MONOCHROME2", int bitsStored = -1, int pixelRepresentation = 0)
    {
        US(0x0028, 0x0002, 1);
        Text(0x0028, 0x0004, "CS", photometric);
        if (frames != 1) Text(0x0028, 0x0008, "IS", frames.ToString());
        US(0x0028, 0x0010, (ushort)rows);
        US(0x0028, 0x0011, (ushort)columns);
        US(0x0028, 0x0100, (ushort)bits);
        US(0x0028, 0x0101, (ushort)(bitsStored < 0 ? bits : bitsStored));
        US(0x0028, 0x0102, (ushort)((bitsStored < 0 ? bits : bitsStored) - 1));
        return US(0x0028, 0x0103, (ushort)pixelRepresentation);
    }

    public DicomBytes NativePixels(byte[] pixels, string vr = "OB")
    {
        Header(0x7FE0, 0x0010, vr, (uint)pixels.Length);
        _out.Write(pixels);
        return this;
    }

    /// <summary>Encapsulated Pixel Data: the Basic Offset Table (given entries) then the fragments.</summary>
    public DicomBytes Encapsulated(uint[] offsetTable, byte[][] fragments, bool delimiter = true)
    {
        Header(0x7FE0, 0x0010, "OB", uint.MaxValue);
        Tag(0xFFFE, 0xE000).U32((uint)(offsetTable.Length * 4));
        foreach (var o in offsetTable) U32(o);
        foreach (var f in fragments)
        {
            Tag(0xFFFE, 0xE000).U32((uint)f.Length);
            _out.Write(f);
        }
        if (delimiter) Tag(0xFFFE, 0xE0DD).U32(0);
        return this;
    }

    public byte[] ToArray() => _out.ToArray();

    public string Write(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, ToArray());
        return path;
    }
}
