namespace ConVirt.Interop;

/// <summary>An ONNX node attribute: the scalar, list, string or tensor value it carries (others left empty).</summary>
internal sealed class OnnxAttribute
{
    internal OnnxAttribute(string name, long? integer, float? real, string? text, IReadOnlyList<long> integers, IReadOnlyList<float> reals, OnnxTensor? tensor)
    {
        Name = name;
        Int = integer;
        Float = real;
        String = text;
        Ints = integers;
        Floats = reals;
        Tensor = tensor;
    }

    /// <summary>Attribute name (<c>kernel_shape</c>, <c>pads</c>, <c>epsilon</c>, <c>value</c>, ...).</summary>
    public string Name { get; }
    /// <summary>The <c>i</c> value, if set.</summary>
    public long? Int { get; }
    /// <summary>The <c>f</c> value, if set.</summary>
    public float? Float { get; }
    /// <summary>The <c>s</c> value as UTF-8 text, if set.</summary>
    public string? String { get; }
    /// <summary>The <c>ints</c> list (empty if none).</summary>
    public IReadOnlyList<long> Ints { get; }
    /// <summary>The <c>floats</c> list (empty if none).</summary>
    public IReadOnlyList<float> Floats { get; }
    /// <summary>The <c>t</c> value (a Constant node's tensor), if set.</summary>
    public OnnxTensor? Tensor { get; }

    internal static OnnxAttribute Parse(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string name = "";
        long? integer = null;
        float? real = null;
        string? text = null;
        var integers = new List<long>();
        var reals = new List<float>();
        OnnxTensor? tensor = null;
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: name = reader.ReadString(); break;
                case 2: real = reader.ReadFloat(); break;
                case 3: integer = reader.ReadInt64(); break;
                case 4: text = reader.ReadString(); break;
                case 5: tensor = OnnxTensor.Parse(reader.ReadBytes()); break;
                case 7: reader.ReadRepeatedFloat(reals); break;
                case 8: reader.ReadRepeatedInt64(integers); break;
                default: reader.Skip(); break;
            }
        }
        return new OnnxAttribute(name, integer, real, text, integers, reals, tensor);
    }
}
