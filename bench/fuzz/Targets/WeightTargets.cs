using ConVirt.Interop;
using TorchSharp;

namespace ConVirt.Fuzz;

/// <summary>
/// <see cref="SafeTensors.Read(string)"/>: header JSON, dtypes, shapes, offsets. Documented error:
/// <see cref="WeightLoadException"/>; every tensor returned has the element count its shape says.
/// </summary>
internal sealed class SafeTensorsTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "safetensors";

    /// <inheritdoc />
    public override bool WarmStart => true;

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        using var scope = torch.NewDisposeScope();
        var tensors = SafeTensors.Read(Scratch.Write(data, ".safetensors"));
        foreach (var (key, t) in tensors)
            Require(t.numel() == t.shape.Aggregate(1L, (a, d) => a * d) && t.shape.All(d => d >= 0), $"tensor {key}: shape and element count");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is WeightLoadException;
}

/// <summary>
/// The torch.save zip path of <see cref="TorchWeights.ReadStateDict"/>: zip directory, <see cref="TorchPickleGuard"/>
/// on data.pkl, the unpickler, storages. Documented error: <see cref="WeightLoadException"/>.
/// </summary>
internal sealed class TorchZipTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "torch-zip";

    /// <inheritdoc />
    public override bool WarmStart => true;

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        using var scope = torch.NewDisposeScope();
        var tensors = TorchWeights.ReadStateDict(Scratch.Write(data, ".pt"));
        foreach (var (key, t) in tensors)
            Require(t.shape.All(d => d >= 0), $"tensor {key}: negative dimension");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is WeightLoadException;
}

/// <summary><see cref="TorchPickleGuard.Check"/> alone on a pickle stream (data.pkl of a torch.save file).
/// Documented error: <see cref="WeightLoadException"/>.</summary>
internal sealed class TorchPickleTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "torch-pickle";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        var globals = TorchPickleGuard.Check(data, "fuzz.pkl");
        Require(globals.All(g => !string.IsNullOrEmpty(g)), "an empty global name");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is WeightLoadException;
}

/// <summary><see cref="OnnxModel.Parse"/>: the protobuf reader and the ONNX model, graph, node, attribute and tensor messages.
/// Documented errors: <see cref="InvalidDataException"/>, <see cref="NotSupportedException"/> (external data); every decoded initializer holds as many values as its shape says.</summary>
internal sealed class OnnxTarget : FuzzTarget
{
    /// <inheritdoc />
    public override string Name => "onnx";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        var model = OnnxModel.Parse(data, "fuzz.onnx");
        foreach (var (name, tensor) in model.Graph.Initializers)
        {
            Require(tensor.Dims.All(d => d >= 0), $"initializer {name}: negative dimension");
            if (tensor.DataType is OnnxTensor.Float or OnnxTensor.Double or OnnxTensor.Int32 or OnnxTensor.Int64)
                Require(tensor.ToFloats().Length == tensor.ElementCount, $"initializer {name}: {tensor.ToFloats().Length} values for shape [{string.Join(", ", tensor.Dims)}]");
        }
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is InvalidDataException or NotSupportedException;
}
