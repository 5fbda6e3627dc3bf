namespace ConVirt.Precision;

/// <summary>Whether a device computes bfloat16 natively, and why (<see cref="Bf16Hardware.Detect"/>).</summary>
/// <param name="Native">True when the device has bfloat16 instructions (CPU: AVX512_BF16 or AMX-BF16; CUDA: compute capability 8.0+).</param>
/// <param name="Reason">One sentence naming what was found.</param>
internal sealed record Bf16Support(bool Native, string Reason);
