namespace ConVirt.Interop;

/// <summary>An ONNX graph node: operator, named inputs and outputs (graph values), attributes.</summary>
internal sealed class OnnxNode
{
    internal OnnxNode(string name, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IReadOnlyList<OnnxAttribute> attributes)
    {
        Name = name;
        OpType = opType;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>Node name (may be empty).</summary>
    public string Name { get; }
    /// <summary>Operator (<c>Conv</c>, <c>BatchNormalization</c>, <c>MatMul</c>, ...).</summary>
    public string OpType { get; }
    /// <summary>Names of the values consumed, in operator order (an empty name is an omitted optional input).</summary>
    public IReadOnlyList<string> Inputs { get; }
    /// <summary>Names of the values produced.</summary>
    public IReadOnlyList<string> Outputs { get; }
    /// <summary>Attributes in file order.</summary>
    public IReadOnlyList<OnnxAttribute> Attributes { get; }

    /// <summary>The named attribute, or null.</summary>
    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    /// <summary>The named <c>ints</c> attribute, or <paramref name="fallback"/> when absent.</summary>
    public IReadOnlyList<long> Ints(string name, IReadOnlyList<long> fallback) => Attribute(name)?.Ints is { Count: > 0 } ints ? ints : fallback;

    internal static OnnxNode Parse(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string name = "", opType = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttribute>();
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: inputs.Add(reader.ReadString()); break;
                case 2: outputs.Add(reader.ReadString()); break;
                case 3: name = reader.ReadString(); break;
                case 4: opType = reader.ReadString(); break;
                case 5: attributes.Add(OnnxAttribute.Parse(reader.ReadBytes())); break;
                default: reader.Skip(); break;
            }
        }
        return new OnnxNode(name, opType, inputs, outputs, attributes);
    }
}
