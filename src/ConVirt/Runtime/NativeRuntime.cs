using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ConVirt.Runtime;

/// <summary>Status of TorchSharp's native library on this machine.</summary>
/// <param name="Loaded">True when libtorch and LibTorchSharp loaded and a tensor could be made.</param>
/// <param name="Error">One sentence naming the library and the cause when <paramref name="Loaded"/> is false.</param>
internal sealed record NativeStatus(bool Loaded, string? Error);

/// <summary>Loads TorchSharp's native library once and reports versions, threads and devices.</summary>
internal static class NativeRuntime
{
    static readonly Lazy<NativeStatus> status = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the native library (once) and returns whether it worked.</summary>
    public static NativeStatus Status => status.Value;

    /// <summary>Throws <see cref="InvalidOperationException"/> with a one-sentence cause when libtorch cannot load.</summary>
    public static void EnsureLoaded()
    {
        var s = Status;
        if (!s.Loaded) throw new InvalidOperationException(s.Error);
    }

    /// <summary>
    /// libgomp's OMP_WAIT_POLICY in effect for libtorch's intra-op threads: PASSIVE unless the environment set one.
    /// </summary>
    /// <remarks>
    /// libgomp's default lets idle worker threads spin between parallel regions. When the cores are shared
    /// (other processes, the data path's threads) the spinning threads take the time slices the working ones
    /// need and every small operation waits for the scheduler: measured on a loaded 2-core machine, one Adam step
    /// of the cpu-small model took 5.0 s with the default and 0.09 s with PASSIVE (docs/benchmarks.md).
    /// libgomp reads the variable once when libtorch loads, so it is set (natively) before the first tensor.
    /// </remarks>
    public static string OpenMpWaitPolicy { get; private set; } = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "default";

    /// <summary>
    /// How glibc's allocator serves libtorch's tensors: <c>heap</c> when this process keeps freed tensor memory for
    /// reuse (no mmap, no trimming), <c>default</c> otherwise (not Linux/glibc, or the user set MALLOC_MMAP_MAX_ /
    /// MALLOC_TRIM_THRESHOLD_, or CONVIRT_MALLOC=default).
    /// </summary>
    /// <remarks>
    /// A training step allocates and frees hundreds of MB of activations. By default glibc serves every block above
    /// 32 MB with a fresh mmap and returns it with munmap, so each step page-faults and zero-fills those pages again.
    /// With mmap disabled and trimming raised, freed blocks are reused: measured on 2 cores, one cpu-small step fell
    /// from 1.50 to 1.26 s and one paper step from 5.38 to 4.44 s (docs/benchmarks.md). Memory freed at the end of a
    /// step stays with the process, so the resident size stays at the step's peak between steps.
    /// </remarks>
    public static string AllocatorPolicy { get; private set; } = "default";

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int NativeMallopt(int parameter, int value);

    const int MallocTrimThreshold = -1, MallocMmapMax = -4;

    static void KeepFreedTensorMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("CONVIRT_MALLOC") is { } choice && choice.Equals("default", StringComparison.OrdinalIgnoreCase)) return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is not null || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null) return;
        try
        {
            // mallopt returns 1 on success; both settings or neither
            if (NativeMallopt(MallocMmapMax, 0) == 1 && NativeMallopt(MallocTrimThreshold, int.MaxValue) == 1) AllocatorPolicy = "heap";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int NativeSetEnvironmentVariable([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    static void PreferPassiveThreadWaiting()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null) return;
        try
        {
            if (NativeSetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE", 0) == 0) OpenMpWaitPolicy = "PASSIVE";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    static NativeStatus Probe()
    {
        PreferPassiveThreadWaiting(); // before anything loads libgomp (the shim probe below does)
        KeepFreedTensorMemory();      // before the first tensor
        // Load the shim ourselves first: on failure the dynamic loader's message names the cause in one line,
        // and TorchSharp is never asked (its own failure prints a long load trace).
        if (ShimLoadError() is { } direct) return new NativeStatus(false, Describe(new DllNotFoundException(direct)));
        try
        {
            using var t = torch.ones(1);
            MklDispatch.ApplyOnLoad();    // libtorch is loaded, and nothing has asked MKL for a product yet
            NnpackSwitch.ApplyOnLoad();   // no per-convolution warning where NNPACK cannot initialise
            return new NativeStatus(t.sum().ToSingle() == 1f, null);
        }
        catch (Exception e)
        {
            return new NativeStatus(false, Describe(e));
        }
    }

    /// <summary>The address of <paramref name="symbol"/> exported by the libtorch_cpu this process loaded (by its
    /// soname: the copy TorchSharp loaded), or false when there is none.</summary>
    internal static bool TryGetLibTorchExport(string symbol, out IntPtr address)
    {
        address = IntPtr.Zero;
        return System.Runtime.InteropServices.NativeLibrary.TryLoad("libtorch_cpu.so", out var library)
            && System.Runtime.InteropServices.NativeLibrary.TryGetExport(library, symbol, out address);
    }

    /// <summary>The dynamic loader's error for libLibTorchSharp next to the program, or null when it loads or is absent.</summary>
    static string? ShimLoadError()
    {
        var name = OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        foreach (var candidate in new[] { Path.Combine(AppContext.BaseDirectory, name), Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", name),
                                          Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", name) })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                System.Runtime.InteropServices.NativeLibrary.Free(System.Runtime.InteropServices.NativeLibrary.Load(candidate));
                return null;
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }
        return null;
    }

    /// <summary>Turns a native-load failure into one sentence naming the library and the cause.</summary>
    public static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is TypeInitializationException or TargetInvocationException)
            inner = inner.InnerException;
        var msg = inner.Message.ReplaceLineEndings(" ").Trim();
        if (msg.Length > 400) msg = msg[..400] + "...";
        var version = System.Text.RegularExpressions.Regex.Match(msg, "version `(GLIBCXX_[0-9.]+)' not found");
        if (version.Success)
            return $"TorchSharp's native library libLibTorchSharp.so could not load because this system's libstdc++ lacks the symbol version {version.Groups[1].Value}; " +
                   "rebuild from source so the build step can adapt the copy in the output folder (docs/native-loading.md), or install a newer libstdc++.";
        if (msg.Contains("GLIBCXX", StringComparison.Ordinal))
            return "TorchSharp's native library libLibTorchSharp.so could not load because this system's libstdc++ lacks a symbol version it needs " +
                   $"({msg}); rebuild so the build step can adapt the copy in the output folder, or install a newer libstdc++.";
        return $"TorchSharp's native library (libLibTorchSharp / libtorch) could not load: {msg}";
    }

    /// <summary>Version of the TorchSharp managed assembly.</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Version of this library.</summary>
    public static string ProgramVersion =>
        typeof(NativeRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>The libtorch version TorchSharp was built against (read from the native package's folder when visible).</summary>
    public static string LibTorchVersion
    {
        get
        {
            try { return torch.__version__; } catch { return "unknown"; }
        }
    }
}
