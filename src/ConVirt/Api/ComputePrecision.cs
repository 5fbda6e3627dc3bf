namespace ConVirt;

/// <summary>What the encoders compute in. Weights stay float32 and every result is float32 either way (docs/precision.md).</summary>
public enum ComputePrecision
{
    /// <summary>float32 throughout (the default, and the reference the other modes are measured against).</summary>
    Fp32,
    /// <summary>bfloat16 matrix products and convolutions with float32 accumulation; refused where the device lacks bf16 support.</summary>
    Bf16,
    /// <summary>bf16 where the device supports it (CUDA with bf16, CPUs with AVX-512 BF16 or AMX), otherwise fp32.</summary>
    Auto,
}
