namespace ConVirt.Interop;

/// <summary>
/// A minimal reader of ONNX ModelProto files (protobuf wire format, no external data): producer, opset and
/// the main graph. Enough to import weights; it does not run or validate graphs.
/// </summary>
internal sealed class OnnxModel
{
    private OnnxModel(long irVersion, string producerName, string producerVersion, long opsetVersion, OnnxGraph graph)
    {
        IrVersion = irVersion;
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        OpsetVersion = opsetVersion;
        Graph = graph;
    }

    /// <summary>ONNX IR version.</summary>
    public long IrVersion { get; }
    /// <summary>Producer (<c>CNTK</c>, <c>pytorch</c>, ...).</summary>
    public string ProducerName { get; }
    /// <summary>Producer version.</summary>
    public string ProducerVersion { get; }
    /// <summary>Opset version of the default (ai.onnx) domain; 0 if not declared.</summary>
    public long OpsetVersion { get; }
    /// <summary>The main graph.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>Reads an .onnx file; errors name the file.</summary>
    public static OnnxModel Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"ONNX file not found: {path}", path); }
        return Parse(bytes, path);
    }

    /// <summary>Reads an ONNX model from a stream (read to its end).</summary>
    public static OnnxModel Load(Stream stream, string sourceName)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), sourceName);
    }

    /// <summary>Parses ModelProto bytes; <paramref name="sourceName"/> appears in error messages.</summary>
    /// <exception cref="InvalidDataException">Not a readable ONNX model (the message names the source and the reason).</exception>
    /// <exception cref="NotSupportedException">A tensor keeps its data in an external file.</exception>
    public static OnnxModel Parse(ReadOnlySpan<byte> bytes, string sourceName)
    {
        try
        {
            var reader = new ProtoReader(bytes);
            long irVersion = 0, opset = 0;
            string producer = "", producerVersion = "";
            OnnxGraph? graph = null;
            while (reader.Next())
            {
                switch (reader.Field)
                {
                    case 1: irVersion = reader.ReadInt64(); break;
                    case 2: producer = reader.ReadString(); break;
                    case 3: producerVersion = reader.ReadString(); break;
                    case 7: graph = OnnxGraph.Parse(reader.ReadBytes()); break;
                    case 8: // OperatorSetIdProto { domain (1), version (2) }
                        var opsetReader = new ProtoReader(reader.ReadBytes());
                        string domain = "";
                        long version = 0;
                        while (opsetReader.Next())
                        {
                            if (opsetReader.Field == 1) domain = opsetReader.ReadString();
                            else if (opsetReader.Field == 2) version = opsetReader.ReadInt64();
                            else opsetReader.Skip();
                        }
                        if (domain is "" or "ai.onnx") opset = version;
                        break;
                    default: reader.Skip(); break;
                }
            }
            if (graph is null) throw new InvalidDataException("the file has no graph");
            return new OnnxModel(irVersion, producer, producerVersion, opset, graph);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{sourceName}: not a readable ONNX model ({e.Message})", e);
        }
        catch (NotSupportedException e)
        {
            // found by fuzzing: escaped undocumented and without the file's name
            throw new NotSupportedException($"{sourceName}: {e.Message}", e);
        }
    }
}
