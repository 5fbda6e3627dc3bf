using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Kernels;

/// <summary>Which native kernel computes the text tower's linear layers (<see cref="DenseKernel"/>).</summary>
internal enum LinearKernelPolicy
{
    /// <summary>oneDNN on CPU float32 inputs of at least <see cref="DenseKernel.MinRowsForOneDnn"/> rows when the CPU has
    /// AVX-512 (<see cref="DenseKernel.CpuHasAvx512"/>) and reports its caches (<see cref="CpuCacheTopology"/>: oneDNN's
    /// 1x1 convolutions were wrong where it does not), the BLAS otherwise.</summary>
    Auto,
    /// <summary>Always libtorch's <c>linear</c> (its BLAS: MKL on CPU, cuBLAS on CUDA).</summary>
    Blas,
    /// <summary>oneDNN for every CPU float32 input, whatever its size (other devices and types keep the BLAS).</summary>
    OneDnn,
}

/// <summary>
/// Linear layers through oneDNN. <c>x Wᵀ + b</c> over rows of <c>x</c> is the same product as a 1x1 convolution of
/// an image with one row per pixel, and a channels-last view of <c>x</c> ([1, in, rows, 1] with strides
/// [rows·in, 1, in, in]) is that image without a copy; its output, channels-last too, is <c>x Wᵀ + b</c> laid out
/// row by row. libtorch sends float32 <c>linear</c> to MKL's sgemm, which on this project's AMD Zen 5 machines
/// ran its generic AVX2 code (about 200 GFLOP/s on 2 cores) while oneDNN's convolution uses AVX-512 (about 400):
/// forward + backward of BERT-sized layers was 1.5-1.9x faster (docs/benchmarks.md, section 1c). Since
/// <see cref="Runtime.MklDispatch"/> unlocks MKL's AVX-512 kernels on such CPUs (1024³: 358-417 GFLOP/s, section 14.1)
/// the two kernels should be close there; that comparison on a CPU that reports its caches is not measured yet. Parameters,
/// their names and shapes are those of <c>nn.Linear</c>; only the kernel changes (results agree to float32
/// rounding). Small inputs (projection heads, poolers: one row per example) stay on the BLAS, where oneDNN's
/// setup costs more than it saves.
/// </summary>
internal static class DenseKernel
{
    /// <summary>Rows (the product of all but the last dimension) from which <see cref="LinearKernelPolicy.Auto"/> uses oneDNN.</summary>
    public const long MinRowsForOneDnn = 128;

    /// <summary>Environment variable that sets <see cref="Policy"/> at start: <c>auto</c> (default), <c>blas</c> or <c>onednn</c>.</summary>
    public const string EnvironmentVariable = "CONVIRT_LINEAR";

    static LinearKernelPolicy? policy;

    /// <summary>The process-wide kernel choice (like <c>torch.backends</c> settings in PyTorch); read from
    /// <see cref="EnvironmentVariable"/> the first time, settable.</summary>
    /// <exception cref="InvalidOperationException">The environment variable holds something else than auto, blas or onednn.</exception>
    public static LinearKernelPolicy Policy
    {
        get => policy ??= FromEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable));
        set => policy = value;
    }

    /// <summary>Forgets the policy read or set so far: the next read of <see cref="Policy"/> takes the environment again.</summary>
    public static void ResetToEnvironment() => policy = null;

    /// <summary>Parses the environment variable's value (null or empty: <see cref="LinearKernelPolicy.Auto"/>).</summary>
    public static LinearKernelPolicy FromEnvironment(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => LinearKernelPolicy.Auto,
        "blas" => LinearKernelPolicy.Blas,
        "onednn" => LinearKernelPolicy.OneDnn,
        _ => throw new InvalidOperationException($"{EnvironmentVariable}='{value}' is not one of auto, blas, onednn."),
    };

    static readonly Lazy<bool> avx512 = new(() => CpuInfoHasAvx512(ReadCpuInfo()));

    /// <summary>
    /// Whether this machine's CPU has AVX-512 (Linux /proc/cpuinfo's <c>avx512f</c>; false elsewhere). oneDNN's 1x1
    /// convolution beats MKL's sgemm only there: MKL runs its AVX2 code on AMD CPUs while oneDNN uses AVX-512 (Zen 5:
    /// 1.49-1.85x, docs/benchmarks.md section 1c); on an AVX2-only CPU both run AVX2 and oneDNN's path was 0.40-0.68x of
    /// the BLAS at BERT's shapes (AMD EPYC Zen 3), so <see cref="LinearKernelPolicy.Auto"/> keeps the BLAS there.
    /// </summary>
    public static bool CpuHasAvx512 => avx512.Value;

    /// <summary>True when some <c>flags</c> line of a /proc/cpuinfo text names <c>avx512f</c>.</summary>
    public static bool CpuInfoHasAvx512(string? cpuInfo) =>
        cpuInfo is not null && cpuInfo.Split('\n').Any(line => line.StartsWith("flags", StringComparison.Ordinal)
            && line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("avx512f", StringComparer.Ordinal));

    static string? ReadCpuInfo()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try { return File.ReadAllText("/proc/cpuinfo"); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>What <see cref="LinearKernelPolicy.Auto"/> decides for a CPU float32 input of <paramref name="rows"/> rows.</summary>
    public static bool AutoChoosesOneDnn(long rows, bool cpuHasAvx512) => cpuHasAvx512 && rows >= MinRowsForOneDnn;

    /// <summary>True when <see cref="Linear(TorchSharp.Modules.Linear, Tensor)"/> takes the oneDNN path for this input and weight.</summary>
    public static bool UsesOneDnn(Tensor x, Tensor weight)
    {
        var p = Policy;
        if (p == LinearKernelPolicy.Blas) return false;
        if (x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32 || weight.dtype != ScalarType.Float32 || weight.dim() != 2 || x.dim() < 1) return false;
        long rows = x.shape[^1] == 0 ? 0 : x.numel() / x.shape[^1];
        if (rows == 0) return false;   // nothing to compute: libtorch's linear handles empty inputs
        return p == LinearKernelPolicy.OneDnn || (AutoChoosesOneDnn(rows, CpuHasAvx512) && CpuCacheTopology.Reported);
    }

    /// <summary><paramref name="layer"/>(<paramref name="x"/>) for x [..., in] -> [..., out] in the precision in force
    /// (<see cref="Autocast"/>); float32 products through oneDNN where <see cref="UsesOneDnn"/> says so.</summary>
    public static Tensor Linear(Linear layer, Tensor x) => Autocast.Linear(x, layer.weight!, layer.bias, Float32);

    /// <summary>x Wᵀ + b for float32 operands, x [..., in] -> [..., out], through oneDNN where <see cref="UsesOneDnn"/> says so, else libtorch's <c>linear</c>.</summary>
    public static Tensor Float32(Tensor x, Tensor weight, Tensor? bias)
    {
        if (!UsesOneDnn(x, weight)) return nn.functional.linear(x, weight, bias);
        long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
        if (x.shape[^1] != inFeatures)
            throw new ArgumentException($"linear layer expects {inFeatures} input features, got a tensor of shape [{string.Join(", ", x.shape)}]");
        long rows = x.numel() / inFeatures;
        var outShape = x.shape.ToArray();
        outShape[^1] = outFeatures;
        using var image = x.reshape(1, rows, 1, inFeatures);        // a copy only when x's rows are not contiguous
        using var channelsLast = image.permute(0, 3, 1, 2);            // [1, in, rows, 1], channels-last strides
        using var kernel = weight.view(outFeatures, inFeatures, 1, 1);
        using var y = nn.functional.conv2d(channelsLast, kernel, bias);
        using var rowsOut = y.permute(0, 2, 3, 1);                     // [1, rows, 1, out], contiguous when y is channels-last
        return rowsOut.reshape(outShape);
    }
}
