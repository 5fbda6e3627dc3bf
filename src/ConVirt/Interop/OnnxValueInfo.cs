namespace ConVirt.Interop;

/// <summary>A graph input or output: name, element type and shape (a dimension is a number or a symbolic name).</summary>
internal sealed class OnnxValueInfo
{
    internal OnnxValueInfo(string name, int elementType, IReadOnlyList<string> dims)
    {
        Name = name;
        ElementType = elementType;
        Dims = dims;
    }

    /// <summary>Value name.</summary>
    public string Name { get; }
    /// <summary>ONNX element type (1 float, 7 int64, ...); 0 when not a tensor.</summary>
    public int ElementType { get; }
    /// <summary>Dimensions as written: a number (<c>"224"</c>) or a symbolic name (<c>"batch"</c>); <c>"?"</c> when unknown.</summary>
    public IReadOnlyList<string> Dims { get; }

    internal static OnnxValueInfo Parse(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string name = "";
        int elementType = 0;
        var dims = new List<string>();
        while (reader.Next())
        {
            if (reader.Field == 1) name = reader.ReadString();
            else if (reader.Field == 2) ParseType(reader.ReadBytes(), ref elementType, dims);
            else reader.Skip();
        }
        return new OnnxValueInfo(name, elementType, dims);
    }

    // TypeProto.tensor_type (1) -> TypeProto.Tensor { elem_type (1), shape (2) -> TensorShapeProto { dim (1) } }
    private static void ParseType(ReadOnlySpan<byte> typeProto, ref int elementType, List<string> dims)
    {
        var type = new ProtoReader(typeProto);
        while (type.Next())
        {
            if (type.Field != 1) { type.Skip(); continue; }
            var tensor = new ProtoReader(type.ReadBytes());
            while (tensor.Next())
            {
                if (tensor.Field == 1) elementType = (int)tensor.ReadInt64();
                else if (tensor.Field == 2)
                {
                    var shape = new ProtoReader(tensor.ReadBytes());
                    while (shape.Next())
                    {
                        if (shape.Field != 1) { shape.Skip(); continue; }
                        var dim = new ProtoReader(shape.ReadBytes());
                        string value = "?";
                        while (dim.Next())
                        {
                            if (dim.Field == 1) value = dim.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
                            else if (dim.Field == 2) value = dim.ReadString();
                            else dim.Skip();
                        }
                        dims.Add(value);
                    }
                }
                else tensor.Skip();
            }
        }
    }
}
