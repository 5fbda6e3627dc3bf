using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>Copies of [n, d] tensors (any device, any float dtype) as managed matrices.</summary>
internal static class TensorMatrix
{
    /// <summary>[n, d] float32 copy.</summary>
    public static float[,] Float(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = t.to_type(ScalarType.Float32).cpu().contiguous();
        var result = new float[(int)cpu.shape[0], (int)cpu.shape[1]];
        if (result.Length > 0) cpu.data<float>().CopyTo(MemoryMarshal.CreateSpan(ref result[0, 0], result.Length));
        return result;
    }

    /// <summary>[n, d] float64 copy.</summary>
    public static double[,] Double(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = t.to_type(ScalarType.Float64).cpu().contiguous();
        var result = new double[(int)cpu.shape[0], (int)cpu.shape[1]];
        if (result.Length > 0) cpu.data<double>().CopyTo(MemoryMarshal.CreateSpan(ref result[0, 0], result.Length));
        return result;
    }
}
