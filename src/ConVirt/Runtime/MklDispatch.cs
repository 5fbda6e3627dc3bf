using System.Runtime.Intrinsics.X86;

namespace ConVirt.Runtime;

/// <summary>What <see cref="MklDispatch"/> does to MKL's choice of kernels (environment variable <see cref="MklDispatch.EnvironmentVariable"/>).</summary>
internal enum MklDispatchPolicy
{
    /// <summary>Unlock MKL's AVX-512 kernels on a non-Intel x86 CPU that has AVX-512 (F, CD, BW, DQ, VL); leave MKL alone elsewhere.</summary>
    Auto,
    /// <summary>Leave MKL's own choice (its generic code path on every non-Intel CPU).</summary>
    Vendor,
    /// <summary>Answer "Intel" on every non-Intel x86 CPU, AVX-512 or not: MKL then runs its Intel kernels for the
    /// instructions the CPU has (on AVX2-only CPUs its AVX2 ones; measured only with AVX2 imposed on the Zen 5 guest,
    /// 1.15-1.44x its generic path at the models' shapes, docs/benchmarks.md section 14.1). Opt-in: no AVX2-only CPU was
    /// available to measure.</summary>
    Intel,
}

/// <summary>What happened to MKL's dispatch in this process, for <c>convirt info</c> and the benchmarks.</summary>
/// <param name="Unlocked">True when MKL will run the kernels it picks for an Intel CPU with the same instructions.</param>
/// <param name="Reason">One sentence: why it was or was not unlocked.</param>
internal sealed record MklDispatchState(bool Unlocked, string Reason);

/// <summary>
/// MKL (statically linked into libtorch_cpu, where libtorch sends every float32 matrix product: linear layers and,
/// on CPUs that hide their caches, ResNet's 1x1 convolutions) picks its kernels after asking whether the CPU is an
/// Intel one. On any other vendor it takes a generic path that never uses AVX-512: on this project's AMD Zen 5
/// machine a 1024³ sgemm on 2 cores ran at 150-180 GFLOP/s, and at 358-417 GFLOP/s (the same checksum) once MKL
/// took the branch it takes for an Intel CPU with the same AVX-512 instructions (docs/benchmarks.md, section 14.1).
/// MKL has no setting for this (MKL_ENABLE_INSTRUCTIONS, MKL_CBWR and the old MKL_DEBUG_CPU_TYPE change nothing
/// there), so this class answers MKL's question itself: <c>mkl_serv_intel_cpu_true</c>, an exported function,
/// caches its answer in a variable of the library and returns it when set; before MKL's first call the variable is
/// set to "yes". The function's code is checked first (a load of that variable, a sign test, a return); any other
/// code, an answer MKL already gave, a missing symbol, or a CPU without the instructions leaves MKL as it is.
/// Only the vendor check is answered: which instruction set MKL then uses is still read from the CPU's own flags.
/// </summary>
internal static class MklDispatch
{
    /// <summary>Environment variable read once when the native runtime loads: <c>auto</c> (default), <c>vendor</c> or <c>intel</c>.</summary>
    public const string EnvironmentVariable = "CONVIRT_MKL";

    /// <summary>The outcome for this process (set when <see cref="NativeRuntime"/> loads libtorch; before that, not unlocked).</summary>
    public static MklDispatchState State { get; private set; } = new(false, "libtorch not loaded yet");

    /// <summary>Parses the environment variable's value (null or empty: <see cref="MklDispatchPolicy.Auto"/>).</summary>
    /// <exception cref="InvalidOperationException">Anything else than auto, vendor or intel.</exception>
    public static MklDispatchPolicy FromEnvironment(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => MklDispatchPolicy.Auto,
        "vendor" => MklDispatchPolicy.Vendor,
        "intel" => MklDispatchPolicy.Intel,
        _ => throw new InvalidOperationException($"{EnvironmentVariable}='{value}' is not one of auto, vendor, intel."),
    };

    /// <summary>Whether <paramref name="policy"/> answers MKL's vendor check on this CPU: never on an Intel CPU (MKL's
    /// answer is already yes) nor under <see cref="MklDispatchPolicy.Vendor"/>; under <see cref="MklDispatchPolicy.Auto"/>
    /// when the CPU has AVX-512 F, CD, BW, DQ and VL; under <see cref="MklDispatchPolicy.Intel"/> always.</summary>
    public static bool Qualifies(string vendor, bool avx512, MklDispatchPolicy policy) =>
        vendor != "GenuineIntel" && policy switch
        {
            MklDispatchPolicy.Auto => avx512,
            MklDispatchPolicy.Intel => true,
            _ => false,
        };

    /// <summary>
    /// Where the answer of <c>mkl_serv_intel_cpu_true</c> is cached, read from the function's first instructions
    /// (<paramref name="code"/>, at <paramref name="functionAddress"/>): <c>mov eax, [rip + d]</c> (8B 05 d32), <c>test
    /// eax, eax</c> (85 C0), <c>js</c> (78 xx), <c>ret</c> (C3). Null for any other code.
    /// </summary>
    public static long? CachedAnswerAddress(ReadOnlySpan<byte> code, long functionAddress)
    {
        if (code.Length < 11 || code[0] != 0x8B || code[1] != 0x05 || code[6] != 0x85 || code[7] != 0xC0 || code[8] != 0x78 || code[10] != 0xC3)
            return null;
        int displacement = BitConverter.ToInt32(code.Slice(2, 4));
        return functionAddress + 6 + displacement;   // rip-relative: from the end of the 6-byte load
    }

    /// <summary>Applies the environment's policy once, right after libtorch loads and before any matrix product.</summary>
    internal static void ApplyOnLoad()
    {
        MklDispatchPolicy policy;
        try { policy = FromEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable)); }
        catch (InvalidOperationException e) { State = new(false, e.Message + " MKL left as it is."); return; }
        State = Apply(policy);
    }

    static MklDispatchState Apply(MklDispatchPolicy policy)
    {
        if (policy == MklDispatchPolicy.Vendor) return new(false, $"{EnvironmentVariable}=vendor: MKL's own choice");
        if (!X86Base.IsSupported) return new(false, "not an x86 CPU");
        string vendor = Vendor();
        bool avx512 = Avx512F.IsSupported && Avx512CD.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;
        if (!Qualifies(vendor, avx512, policy))
            return new(false, vendor == "GenuineIntel" ? "an Intel CPU: MKL picks its kernels itself" : $"{vendor} without AVX-512: MKL's own choice ({EnvironmentVariable}=intel to try its Intel kernels)");
        if (!NativeRuntime.TryGetLibTorchExport("mkl_serv_intel_cpu_true", out var function))
            return new(false, "this libtorch has no MKL vendor check to answer");
        return Unlock(function, avx512 ? "a non-Intel CPU with AVX-512, answered as an Intel one" : $"{EnvironmentVariable}=intel: a non-Intel CPU answered as an Intel one");
    }

    static unsafe MklDispatchState Unlock(IntPtr function, string unlocked)
    {
        var code = new ReadOnlySpan<byte>((void*)function, 11);
        if (CachedAnswerAddress(code, function) is not { } address)
            return new(false, "MKL's vendor check is not the code this library knows: left as it is");
        ref int cached = ref *(int*)address;
        if (cached >= 0)
            return new(cached == 1, cached == 1 ? "MKL already answered yes" : "MKL had already chosen its kernels before the runtime loaded: left as it is");
        cached = 1;
        return new(true, unlocked);
    }

    static string Vendor()
    {
        var (_, b, c, d) = X86Base.CpuId(0, 0);
        Span<byte> bytes = stackalloc byte[12];
        BitConverter.TryWriteBytes(bytes, b);
        BitConverter.TryWriteBytes(bytes[4..], d);
        BitConverter.TryWriteBytes(bytes[8..], c);
        return System.Text.Encoding.ASCII.GetString(bytes);
    }
}
