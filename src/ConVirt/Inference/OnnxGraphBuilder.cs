using System.Globalization;
using System.Runtime.InteropServices;

namespace ConVirt.Inference;

/// <summary>
/// Builds an ONNX graph (GraphProto) node by node and writes it as a ModelProto: weights as initialisers
/// (raw little-endian data), inputs and outputs with fixed or symbolic dimensions (a symbolic name such as
/// <c>batch</c> makes that dimension dynamic). Node outputs get unique names; nodes must be added in
/// topological order, as ONNX requires. Our own writer of the format <see cref="Interop.OnnxModel"/> reads.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>ai.onnx operator set of the graphs written (LayerNormalization needs 17).</summary>
    public const long Opset = 17;
    /// <summary>ONNX element type FLOAT.</summary>
    public const int Float = 1;
    /// <summary>ONNX element type INT64.</summary>
    public const int Int64 = 7;

    private readonly List<ProtoWriter> nodes = [];
    private readonly List<ProtoWriter> initializers = [];
    private readonly List<ProtoWriter> inputs = [];
    private readonly List<ProtoWriter> outputs = [];
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    private int counter;

    /// <summary>Starts an empty graph.</summary>
    public OnnxGraphBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>Graph name.</summary>
    public string Name { get; }

    /// <summary>Nodes added so far.</summary>
    public int NodeCount => nodes.Count;

    /// <summary>Initialisers added so far.</summary>
    public int InitializerCount => initializers.Count;

    /// <summary>Adds a float initialiser (a weight) named <paramref name="name"/>; returns the name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims) =>
        AddTensor(name, Float, MemoryMarshal.AsBytes(values), values.Length, dims);

    /// <summary>Adds an int64 initialiser named <paramref name="name"/>; returns the name.</summary>
    public string AddInitializer(string name, ReadOnlySpan<long> values, IReadOnlyList<long> dims) =>
        AddTensor(name, Int64, MemoryMarshal.AsBytes(values), values.Length, dims);

    /// <summary>A float scalar constant (one initialiser per distinct value).</summary>
    public string Scalar(float value)
    {
        string key = "f:" + value.ToString("R", CultureInfo.InvariantCulture);
        if (!constants.TryGetValue(key, out var name))
            constants[key] = name = AddInitializer(Unique("const"), [value], []);
        return name;
    }

    /// <summary>A 1-d int64 constant (shapes, axes, indices; one initialiser per distinct list).</summary>
    public string Int64s(params long[] values)
    {
        string key = "i:" + string.Join(",", values);
        if (!constants.TryGetValue(key, out var name))
            constants[key] = name = AddInitializer(Unique("const"), values, [values.Length]);
        return name;
    }

    /// <summary>
    /// Adds a node <paramref name="opType"/> (ai.onnx domain) over <paramref name="nodeInputs"/> with one output,
    /// named <paramref name="output"/> or, when null, a fresh name from the operator; returns the output's name.
    /// </summary>
    public string AddNode(string opType, IReadOnlyList<string> nodeInputs, string? output = null, params OnnxAttributeValue[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        string name = Claim(output ?? Unique(opType.ToLowerInvariant()));
        // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5
        var w = new ProtoWriter();
        foreach (var input in nodeInputs)
        {
            if (input.Length > 0 && !names.Contains(input)) throw new InvalidOperationException($"ONNX node {opType} '{name}': input '{input}' is not defined before it");
            w.WriteString(1, input);
        }
        w.WriteString(2, name);
        w.WriteString(3, name);
        w.WriteString(4, opType);
        foreach (var attribute in attributes) w.WriteMessage(5, attribute.Encode());
        nodes.Add(w);
        return name;
    }

    /// <summary>Declares a graph input; a dimension is a number (<c>"3"</c>) or a symbolic name (<c>"batch"</c>).</summary>
    public string AddInput(string name, int elementType, params string[] dims)
    {
        inputs.Add(ValueInfo(Claim(name), elementType, dims));
        return name;
    }

    /// <summary>Declares a graph output: a value some node produced.</summary>
    public void AddOutput(string name, int elementType, params string[] dims)
    {
        if (!names.Contains(name)) throw new InvalidOperationException($"ONNX graph output '{name}' is not produced by any node");
        outputs.Add(ValueInfo(name, elementType, dims));
    }

    /// <summary>Writes the ModelProto (IR version <see cref="OnnxModelInfo.IrVersion"/>) to <paramref name="stream"/>.</summary>
    public void WriteModel(Stream stream, OnnxModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(info);
        if (outputs.Count == 0) throw new InvalidOperationException($"ONNX graph '{Name}' has no outputs");
        // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8, metadata_props 14
        var head = new ProtoWriter();
        head.WriteInt64(1, OnnxModelInfo.IrVersion);
        head.WriteString(2, info.ProducerName);
        head.WriteString(3, info.ProducerVersion);
        head.WriteString(6, info.DocString);
        var opset = new ProtoWriter();
        opset.WriteString(1, "");
        opset.WriteInt64(2, info.OpsetVersion);
        head.WriteMessage(8, opset);
        foreach (var (key, value) in info.Metadata)
        {
            var entry = new ProtoWriter();
            entry.WriteString(1, key);
            entry.WriteString(2, value);
            head.WriteMessage(14, entry);
        }
        head.CopyTo(stream);
        WriteGraph(stream);
    }

    // The graph field is streamed piece by piece (its length is the sum of the pieces), so the weights are not
    // copied into one more buffer: GraphProto node 1, name 2, initializer 5, input 11, output 12.
    private void WriteGraph(Stream stream)
    {
        var nameField = new ProtoWriter();
        nameField.WriteString(2, Name);
        var pieces = new List<(int Field, ProtoWriter Message)>();
        pieces.AddRange(nodes.Select(n => (1, n)));
        pieces.AddRange(initializers.Select(i => (5, i)));
        pieces.AddRange(inputs.Select(i => (11, i)));
        pieces.AddRange(outputs.Select(o => (12, o)));
        long length = nameField.Length + pieces.Sum(p => FieldSize(p.Field, p.Message.Length));
        if (length > int.MaxValue)   // protobuf messages stop at 2 GiB; ONNX's way past it (external data) is not written here
            throw new InvalidOperationException($"ONNX graph '{Name}' needs {length / (1L << 20)} MiB, over protobuf's 2 GiB limit for one file");
        var header = new ProtoWriter();
        header.WriteTag(7, 2);
        header.WriteVarint((ulong)length);
        header.CopyTo(stream);
        foreach (var (field, message) in pieces)
        {
            var prefix = new ProtoWriter();
            prefix.WriteTag(field, 2);
            prefix.WriteVarint((ulong)message.Length);
            prefix.CopyTo(stream);
            message.CopyTo(stream);
        }
        nameField.CopyTo(stream);
    }

    private static long FieldSize(int field, long length) =>
        ProtoWriter.VarintSize((ulong)field << 3) + ProtoWriter.VarintSize((ulong)length) + length;

    // TensorProto: dims 1, data_type 2, name 8, raw_data 9
    private string AddTensor(string name, int elementType, ReadOnlySpan<byte> raw, int count, IReadOnlyList<long> dims)
    {
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (expected != count) throw new ArgumentException($"ONNX initialiser '{name}': dims [{string.Join(", ", dims)}] hold {expected} values, got {count}");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this writer needs a little-endian machine");
        Claim(name);
        var w = new ProtoWriter();
        w.WritePackedInt64(1, dims);
        w.WriteInt64(2, elementType);
        w.WriteString(8, name);
        w.WriteBytes(9, raw);
        initializers.Add(w);
        return name;
    }

    // ValueInfoProto: name 1, type 2 -> TypeProto.tensor_type 1 -> { elem_type 1, shape 2 -> dim 1 -> { dim_value 1 | dim_param 2 } }
    private static ProtoWriter ValueInfo(string name, int elementType, string[] dims)
    {
        var shape = new ProtoWriter();
        foreach (var d in dims)
        {
            var dim = new ProtoWriter();
            if (long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out long size)) dim.WriteInt64(1, size);
            else dim.WriteString(2, d);
            shape.WriteMessage(1, dim);
        }
        var tensor = new ProtoWriter();
        tensor.WriteInt64(1, elementType);
        tensor.WriteMessage(2, shape);
        var type = new ProtoWriter();
        type.WriteMessage(1, tensor);
        var info = new ProtoWriter();
        info.WriteString(1, name);
        info.WriteMessage(2, type);
        return info;
    }

    private string Claim(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!names.Add(name)) throw new InvalidOperationException($"ONNX graph '{Name}' already has a value named '{name}'");
        return name;
    }

    private string Unique(string stem)
    {
        string name;
        do name = string.Create(CultureInfo.InvariantCulture, $"{stem}_{counter++}"); while (names.Contains(name));
        return name;
    }
}
