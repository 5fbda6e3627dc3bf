using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Precision;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace ConVirt.Inference;

/// <summary>
/// Chooses and builds an encoder's <see cref="IEncoderTowers"/>. <see cref="TowerBackend.Auto"/> takes ONNX Runtime
/// where it is faster and able to run: the CPU, fp32, its native library present (an application references
/// Microsoft.ML.OnnxRuntime), and a CPU that hides its cache sizes, where libtorch must compute 1x1 convolutions and
/// linear layers as plain matrix products (<see cref="PointwiseConvolution"/>) and ONNX Runtime was 1.4-4.0x faster
/// on every tower and batch (docs/benchmarks.md 13.1). Elsewhere libtorch's oneDNN kernels held their own (section 13),
/// so Auto keeps libtorch there.
/// </summary>
internal static class TowerBackends
{
    static readonly Lazy<string?> missing = new(ProbeOnnxRuntime);

    /// <summary>Why ONNX Runtime cannot run in this process (its native library did not load), or null when it can.</summary>
    public static string? OnnxRuntimeMissing => missing.Value;

    /// <summary>The backend <paramref name="requested"/> resolves to for an encoder on <paramref name="device"/>
    /// computing in <paramref name="precision"/> (already resolved: fp32 or bf16).</summary>
    /// <exception cref="ArgumentException">ONNX Runtime was asked for where it cannot run, naming why.</exception>
    public static TowerBackend Resolve(TowerBackend requested, string device, PrecisionMode precision)
    {
        if (requested == TowerBackend.LibTorch) return TowerBackend.LibTorch;
        string? refusal = !device.Equals("cpu", StringComparison.OrdinalIgnoreCase) ? $"it runs on the CPU only (device {device})"
            : precision != PrecisionMode.Fp32 ? $"it computes in fp32 only (precision {precision.ToString().ToLowerInvariant()})"
            : OnnxRuntimeMissing;
        if (requested == TowerBackend.OnnxRuntime)
            return refusal is null ? TowerBackend.OnnxRuntime : throw new ArgumentException($"backend onnxruntime: {refusal}; use libtorch or auto");
        return refusal is null && !CpuCacheTopology.Reported ? TowerBackend.OnnxRuntime : TowerBackend.LibTorch;
    }

    /// <summary>What <see cref="TowerBackend.Auto"/> picks for fp32 on the CPU and why, in one line (<c>convirt info</c>).</summary>
    public static string DescribeAuto()
    {
        var picked = Resolve(TowerBackend.Auto, "cpu", PrecisionMode.Fp32);
        string why = OnnxRuntimeMissing is { } missing ? $"ONNX Runtime cannot run: {missing}"
            : CpuCacheTopology.Reported ? "this CPU reports its cache sizes: libtorch's oneDNN kernels"
            : "this CPU hides its cache sizes: ONNX Runtime measured 1.7-4.0x faster on such a CPU, docs/benchmarks.md 13";
        return $"--backend auto on cpu (fp32): {picked.ToString().ToLowerInvariant()} ({why}); bf16 and cuda: libtorch";
    }

    /// <summary>The towers of a loaded encoder on the resolved <paramref name="backend"/>.</summary>
    public static IEncoderTowers Create(TowerBackend backend, ResNetEncoder image, ConVirtModel? model, OnnxGraphCache cache) => backend switch
    {
        TowerBackend.LibTorch => new LibTorchTowers(image, model),
        TowerBackend.OnnxRuntime => new OnnxRuntimeTowers(image, model, cache),
        _ => throw new ArgumentException($"backend {backend} is not resolved (call {nameof(Resolve)} first)", nameof(backend)),
    };

    /// <summary>ONNX Runtime's session settings: every graph optimisation, one sequential inter-op thread and as many
    /// intra-op threads as libtorch uses (<c>--threads</c>, else every core).</summary>
    public static SessionOptions SessionOptions() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        IntraOpNumThreads = Math.Max(1, torch.get_num_threads()),
        InterOpNumThreads = 1,
    };

    static string? ProbeOnnxRuntime()
    {
        try
        {
            _ = OrtEnv.Instance();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException or OnnxRuntimeException)
        {
            return "its native library did not load (the application needs the Microsoft.ML.OnnxRuntime package)";
        }
    }
}
