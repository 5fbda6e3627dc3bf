namespace ConVirt.Precision;

/// <summary>Which kernels compute the bfloat16 operations of <see cref="BFloat16Policy"/>.</summary>
internal enum Bf16Kernels
{
    /// <summary>libtorch's bfloat16 kernels (oneDNN AVX512_BF16/AMX on CPU, tensor cores on CUDA).</summary>
    Native,
    /// <summary>
    /// The float32 kernels on bfloat16 operands: inputs and weights rounded to bfloat16, products summed in float32,
    /// the output rounded to bfloat16. The same arithmetic as a native bfloat16 kernel (a product of two bfloat16
    /// values is exact in float32; only the summation order differs), for CPUs without bfloat16 instructions, where
    /// libtorch's bfloat16 kernels fall back to scalar code (measured on an AVX2 Zen 3: matmul 0.8 GFLOP/s against
    /// 73 in float32, docs/benchmarks.md).
    /// </summary>
    Upcast,
}
