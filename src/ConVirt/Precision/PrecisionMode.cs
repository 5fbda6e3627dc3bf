namespace ConVirt.Precision;

/// <summary>The <c>--precision</c> value: what the convolutions, linear layers and attention compute in.</summary>
internal enum PrecisionMode
{
    /// <summary>Everything in float32.</summary>
    Fp32,
    /// <summary>Mixed precision: convolutions, linear layers and attention in bfloat16, everything else in float32 (<see cref="BFloat16Policy"/>).</summary>
    Bf16,
    /// <summary><see cref="Bf16"/> where the device computes bfloat16 natively (<see cref="Bf16Hardware"/>), <see cref="Fp32"/> elsewhere.</summary>
    Auto,
}
