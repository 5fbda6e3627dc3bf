using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>
/// How the model's arithmetic is split between float32 and a lower precision: the strategy behind
/// <c>--precision</c>. A policy computes the three kinds of operation that PyTorch's autocast lowers (convolutions,
/// linear layers, attention); everything else runs on whatever those return, and the model casts back to float32
/// where float32 begins (<see cref="Autocast.ToFloat32"/>). Parameters, gradients, optimiser state and checkpoints
/// are float32 under every policy.
/// </summary>
internal abstract class PrecisionPolicy
{
    /// <summary><see cref="PrecisionMode.Fp32"/> or <see cref="PrecisionMode.Bf16"/> (never Auto).</summary>
    public abstract PrecisionMode Mode { get; }

    /// <summary>The type convolutions, linear layers and attention return.</summary>
    public abstract ScalarType ComputeType { get; }

    /// <summary>Short name for logs and run folders ("fp32", "bf16 (native kernels)").</summary>
    public abstract string Name { get; }

    /// <summary>conv2d(x, weight, bias) with square <paramref name="stride"/> and <paramref name="padding"/>, through a
    /// channels-last weight when <paramref name="channelsLast"/>; weight copies go to <paramref name="cache"/> when given.</summary>
    public abstract Tensor Convolution(Tensor x, Tensor weight, Tensor? bias, long stride, long padding, bool channelsLast, WeightCastCache? cache);

    /// <summary>x Wᵀ + b; <paramref name="float32Kernel"/>(x, W, b) is the float32 kernel (BLAS or oneDNN, <see cref="Models.Kernels.DenseKernel"/>).</summary>
    public abstract Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> float32Kernel, WeightCastCache? cache);

    /// <summary>Scaled dot-product attention of q, k, v [B, heads, L, d] with an additive float mask [B, 1, 1, L].</summary>
    public abstract Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor additiveMask, double dropout);

    /// <summary>Parses a <c>--precision</c> value (fp32, bf16, auto; case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other value, named in the message.</exception>
    public static PrecisionMode ParseMode(string value) => value?.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => PrecisionMode.Fp32,
        "bf16" or "bfloat16" => PrecisionMode.Bf16,
        "auto" => PrecisionMode.Auto,
        _ => throw new ArgumentException($"precision must be fp32, bf16 or auto, got '{value}'"),
    };

    /// <summary>
    /// What <paramref name="mode"/> means given a device's bfloat16 <paramref name="support"/>: Auto becomes bf16 only
    /// on native bfloat16 hardware; bf16 uses native kernels there and <see cref="Bf16Kernels.Upcast"/> elsewhere.
    /// </summary>
    public static PrecisionChoice Resolve(PrecisionMode mode, Bf16Support support)
    {
        ArgumentNullException.ThrowIfNull(support);
        var kernels = support.Native ? Bf16Kernels.Native : Bf16Kernels.Upcast;
        return mode switch
        {
            PrecisionMode.Fp32 => new PrecisionChoice(Float32Policy.Instance, "fp32 requested"),
            PrecisionMode.Bf16 => new PrecisionChoice(new BFloat16Policy(kernels),
                support.Native ? $"bf16 requested; {support.Reason}" : $"bf16 requested; {support.Reason}, so bfloat16 is computed by float32 kernels on bfloat16-rounded operands (slower than fp32)"),
            PrecisionMode.Auto => support.Native
                ? new PrecisionChoice(new BFloat16Policy(Bf16Kernels.Native), $"auto: {support.Reason}")
                : new PrecisionChoice(Float32Policy.Instance, $"auto: {support.Reason}"),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown precision"),
        };
    }

    /// <summary><see cref="Resolve(PrecisionMode, Bf16Support)"/> with the support <see cref="Bf16Hardware.Detect"/> finds on <paramref name="device"/>.</summary>
    public static PrecisionChoice Resolve(PrecisionMode mode, string device) =>
        mode == PrecisionMode.Fp32 ? new PrecisionChoice(Float32Policy.Instance, "fp32 requested") : Resolve(mode, Bf16Hardware.Detect(torch.device(device)));

    /// <summary>The policy for <paramref name="mode"/> on <paramref name="device"/> (cpu, cuda, cuda:N).</summary>
    public static PrecisionPolicy Create(PrecisionMode mode, string device) => Resolve(mode, device).Policy;
}
