namespace ConVirt.Interop;

/// <summary>
/// An ONNX GraphProto: nodes (in file order, which ONNX requires to be topological), initializers by name,
/// graph inputs and outputs, with look-ups from a value name to the node producing it and the nodes consuming it.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, OnnxNode> producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> consumers = new(StringComparer.Ordinal);

    internal OnnxGraph(string name, IReadOnlyList<OnnxNode> nodes, IReadOnlyDictionary<string, OnnxTensor> initializers,
        IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs)
    {
        Name = name;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
        foreach (var node in nodes)
        {
            foreach (var output in node.Outputs) producers[output] = node;
            foreach (var input in node.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    /// <summary>Graph name.</summary>
    public string Name { get; }
    /// <summary>Nodes in file (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }
    /// <summary>Initializers (weights and constants) by name.</summary>
    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }
    /// <summary>Graph inputs (may include initializers in older files).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }
    /// <summary>Graph outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>The node producing a value, or null for graph inputs and initializers.</summary>
    public OnnxNode? ProducerOf(string value) => producers.GetValueOrDefault(value);

    /// <summary>The nodes consuming a value, in file order.</summary>
    public IReadOnlyList<OnnxNode> ConsumersOf(string value) => consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>A constant value: an initializer or the tensor of the <c>Constant</c> node producing it; null otherwise.</summary>
    public OnnxTensor? ConstantOf(string value) =>
        Initializers.TryGetValue(value, out var tensor) ? tensor
        : ProducerOf(value) is { OpType: "Constant" } node ? node.Attribute("value")?.Tensor
        : null;

    internal static OnnxGraph Parse(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string name = "";
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: nodes.Add(OnnxNode.Parse(reader.ReadBytes())); break;
                case 2: name = reader.ReadString(); break;
                case 5:
                    var tensor = OnnxTensor.Parse(reader.ReadBytes());
                    if (!initializers.TryAdd(tensor.Name, tensor)) throw new InvalidDataException($"ONNX graph has two initializers named '{tensor.Name}'");
                    break;
                case 11: inputs.Add(OnnxValueInfo.Parse(reader.ReadBytes())); break;
                case 12: outputs.Add(OnnxValueInfo.Parse(reader.ReadBytes())); break;
                default: reader.Skip(); break;
            }
        }
        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }
}
