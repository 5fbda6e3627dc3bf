using System.Runtime.InteropServices;

namespace ConVirt.Interop;

/// <summary>
/// An ONNX TensorProto (an initializer or a Constant node's value): name, dims and the numbers, decoded
/// from <c>raw_data</c> (little-endian) or the typed repeated fields.
/// </summary>
internal sealed class OnnxTensor
{
    /// <summary>ONNX element type FLOAT.</summary>
    public const int Float = 1;
    /// <summary>ONNX element type INT32.</summary>
    public const int Int32 = 6;
    /// <summary>ONNX element type INT64.</summary>
    public const int Int64 = 7;
    /// <summary>ONNX element type DOUBLE.</summary>
    public const int Double = 11;

    private readonly float[]? floats;
    private readonly long[]? integers;
    private readonly double[]? doubles;

    internal OnnxTensor(string name, long[] dims, int dataType, float[]? floats, long[]? integers, double[]? doubles)
    {
        Name = name;
        Dims = dims;
        DataType = dataType;
        this.floats = floats;
        this.integers = integers;
        this.doubles = doubles;
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        long actual = floats?.Length ?? integers?.Length ?? doubles?.Length ?? -1;
        if (actual >= 0 && actual != expected)
            throw new InvalidDataException($"ONNX tensor '{name}': dims [{string.Join(", ", dims)}] hold {expected} values, data has {actual}");
    }

    /// <summary>The tensor's name (an initializer's name is the graph value it defines).</summary>
    public string Name { get; }

    /// <summary>Shape; empty for a scalar.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>ONNX element type (1 float, 6 int32, 7 int64, 11 double, ...).</summary>
    public int DataType { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>The values as float32 (float tensors as stored; double and integer tensors converted).</summary>
    public float[] ToFloats() =>
        floats is not null ? (float[])floats.Clone()
        : doubles is not null ? doubles.Select(d => (float)d).ToArray()
        : integers is not null ? integers.Select(i => (float)i).ToArray()
        : throw new NotSupportedException($"ONNX tensor '{Name}' has element type {DataType}, which this reader does not decode");

    /// <summary>The values as int64 (integer tensors only).</summary>
    public long[] ToInt64s() =>
        integers is not null ? (long[])integers.Clone()
        : throw new InvalidOperationException($"ONNX tensor '{Name}' is not an integer tensor (element type {DataType})");

    /// <summary>Decodes a TensorProto message.</summary>
    internal static OnnxTensor Parse(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string name = "";
        var dims = new List<long>();
        int dataType = 0;
        ReadOnlySpan<byte> raw = default;
        bool hasRaw = false;
        var floatData = new List<float>();
        var intData = new List<long>();
        var doubleData = new List<double>();
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: reader.ReadRepeatedInt64(dims); break;                 // dims
                case 2: dataType = (int)reader.ReadInt64(); break;              // data_type
                case 4: reader.ReadRepeatedFloat(floatData); break;             // float_data
                case 5: reader.ReadRepeatedInt64(intData); break;               // int32_data
                case 7: reader.ReadRepeatedInt64(intData); break;               // int64_data
                case 8: name = reader.ReadString(); break;                      // name
                case 9: raw = reader.ReadBytes(); hasRaw = true; break;         // raw_data
                case 10: reader.ReadRepeatedDouble(doubleData); break;          // double_data
                case 14:                                                        // data_location
                    if (reader.ReadInt64() == 1) throw new NotSupportedException($"ONNX tensor '{name}' keeps its data in an external file, which this reader does not follow");
                    break;
                default: reader.Skip(); break;
            }
        }
        var shape = dims.ToArray();
        var tensor = hasRaw ? FromRaw(name, shape, dataType, raw) : dataType switch
        {
            Float => new OnnxTensor(name, shape, dataType, floatData.ToArray(), null, null),
            Int64 or Int32 => new OnnxTensor(name, shape, dataType, null, intData.ToArray(), null),
            Double => new OnnxTensor(name, shape, dataType, null, null, doubleData.ToArray()),
            _ => new OnnxTensor(name, shape, dataType, null, null, null),
        };
        CheckCount(tensor, tensor.floats?.Length ?? tensor.integers?.Length ?? tensor.doubles?.Length);
        return tensor;
    }

    /// <summary>
    /// The values must fill the shape exactly: a tensor with fewer or more values than its dims, or a negative
    /// dim, is refused instead of loading silently (the fuzz target's invariant).
    /// </summary>
    private static void CheckCount(OnnxTensor tensor, int? values)
    {
        long count = 1;
        foreach (long d in tensor.Dims)
        {
            if (d < 0) throw new InvalidDataException($"ONNX tensor '{tensor.Name}' has a negative dimension ({d})");
            count = d == 0 || count <= long.MaxValue / d ? count * d : throw new InvalidDataException($"ONNX tensor '{tensor.Name}': shape [{string.Join(", ", tensor.Dims)}] overflows");
        }
        if (values is int n && n != count)
            throw new InvalidDataException($"ONNX tensor '{tensor.Name}' holds {n:N0} values for shape [{string.Join(", ", tensor.Dims)}] ({count:N0} elements)");
    }

    private static OnnxTensor FromRaw(string name, long[] shape, int dataType, ReadOnlySpan<byte> raw)
    {
        {
            return dataType switch
            {
                Float => new OnnxTensor(name, shape, dataType, Cast<float>(raw, name), null, null),
                Int64 => new OnnxTensor(name, shape, dataType, null, Cast<long>(raw, name), null),
                Int32 => new OnnxTensor(name, shape, dataType, null, Cast<int>(raw, name).Select(i => (long)i).ToArray(), null),
                Double => new OnnxTensor(name, shape, dataType, null, null, Cast<double>(raw, name)),
                _ => new OnnxTensor(name, shape, dataType, null, null, null),
            };
        }
    }

    private static T[] Cast<T>(ReadOnlySpan<byte> raw, string name) where T : struct
    {
        int size = Marshal.SizeOf<T>();
        if (raw.Length % size != 0) throw new InvalidDataException($"ONNX tensor '{name}': raw_data length {raw.Length} is not a multiple of {size}");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this reader needs a little-endian machine");
        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }
}
