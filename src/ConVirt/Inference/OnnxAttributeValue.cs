namespace ConVirt.Inference;

/// <summary>A node attribute to write (ONNX AttributeProto): an integer, a list of integers, a float or a string.</summary>
internal sealed class OnnxAttributeValue
{
    private readonly long? integer;
    private readonly IReadOnlyList<long>? integers;
    private readonly float? real;
    private readonly string? text;

    private OnnxAttributeValue(string name, long? integer, IReadOnlyList<long>? integers, float? real, string? text)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        this.integer = integer;
        this.integers = integers;
        this.real = real;
        this.text = text;
    }

    /// <summary>Attribute name (<c>kernel_shape</c>, <c>epsilon</c>, ...).</summary>
    public string Name { get; }

    /// <summary>An INT attribute.</summary>
    public static OnnxAttributeValue Int(string name, long value) => new(name, value, null, null, null);

    /// <summary>An INTS attribute.</summary>
    public static OnnxAttributeValue Ints(string name, params long[] values) => new(name, null, values, null, null);

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttributeValue Float(string name, float value) => new(name, null, null, value, null);

    /// <summary>A STRING attribute (UTF-8).</summary>
    public static OnnxAttributeValue String(string name, string value) => new(name, null, null, null, value);

    // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
    internal ProtoWriter Encode()
    {
        var w = new ProtoWriter();
        w.WriteString(1, Name);
        if (real is { } f) { w.WriteFloat(2, f); w.WriteInt64(20, 1); }
        else if (integer is { } i) { w.WriteInt64(3, i); w.WriteInt64(20, 2); }
        else if (text is not null) { w.WriteString(4, text); w.WriteInt64(20, 3); }
        else
        {
            // unpacked, as the reference serialiser writes ints (readers accept both)
            foreach (var v in integers!) w.WriteInt64(8, v);
            w.WriteInt64(20, 7);
        }
        return w;
    }
}
