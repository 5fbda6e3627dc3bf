using System.Diagnostics;
using System.Globalization;
using TorchSharp;

namespace ConVirt.Precision;

/// <summary>Finds out whether a device computes bfloat16 natively: what <see cref="PrecisionMode.Auto"/> decides from.</summary>
internal static class Bf16Hardware
{
    /// <summary>CPU flags (as Linux's /proc/cpuinfo spells them) that mean native bfloat16 arithmetic.</summary>
    public static IReadOnlyList<string> CpuFlags { get; } = ["avx512_bf16", "amx_bf16"];

    static readonly Lazy<Bf16Support> cpu = new(DetectCpu);

    /// <summary>Native bfloat16 support of <paramref name="device"/> (the CPU result is read once per process).</summary>
    public static Bf16Support Detect(torch.Device device) => device.type switch
    {
        DeviceType.CPU => cpu.Value,
        DeviceType.CUDA => FromComputeCapability(QueryComputeCapability(device.index < 0 ? 0 : device.index)),
        _ => new Bf16Support(false, $"no bfloat16 detection for {device.type} devices"),
    };

    /// <summary>Support from the text of /proc/cpuinfo: native when any processor's <c>flags</c> line names <see cref="CpuFlags"/>.</summary>
    public static Bf16Support FromCpuInfo(string cpuInfo)
    {
        ArgumentNullException.ThrowIfNull(cpuInfo);
        string? model = null;
        foreach (var line in cpuInfo.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..];
            if (key == "model name") model ??= value.Trim();
            if (key != "flags") continue;
            var flags = value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var found = CpuFlags.Where(f => flags.Contains(f, StringComparer.Ordinal)).ToList();
            if (found.Count > 0) return new Bf16Support(true, $"CPU {model ?? "(unnamed)"} has {string.Join(" and ", found)}");
            return new Bf16Support(false, $"CPU {model ?? "(unnamed)"} has neither {string.Join(" nor ", CpuFlags)}{(flags.Contains("avx512f") ? "" : " (and no AVX-512)")}");
        }
        return new Bf16Support(false, "no CPU flags line in /proc/cpuinfo");
    }

    /// <summary>Support from a CUDA compute capability ("8.0", "9.0", ...; null when unknown): native from 8.0 (Ampere).</summary>
    public static Bf16Support FromComputeCapability(string? capability)
    {
        if (capability is null || !double.TryParse(capability.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var cc))
            return new Bf16Support(false, $"CUDA compute capability unknown ({capability ?? "nvidia-smi gave none"})");
        return cc >= 8.0
            ? new Bf16Support(true, $"CUDA device of compute capability {cc.ToString("0.0", CultureInfo.InvariantCulture)} (8.0+ has bfloat16 tensor cores)")
            : new Bf16Support(false, $"CUDA device of compute capability {cc.ToString("0.0", CultureInfo.InvariantCulture)} (bfloat16 needs 8.0+)");
    }

    static Bf16Support DetectCpu()
    {
        const string path = "/proc/cpuinfo";
        if (!OperatingSystem.IsLinux()) return new Bf16Support(false, "CPU features are read from /proc/cpuinfo, which only Linux has");
        try { return FromCpuInfo(File.ReadAllText(path)); }
        catch (IOException e) { return new Bf16Support(false, $"{path} unreadable: {e.Message}"); }
        catch (UnauthorizedAccessException e) { return new Bf16Support(false, $"{path} unreadable: {e.Message}"); }
    }

    // TorchSharp 0.107 exposes no device properties; nvidia-smi reports the compute capability.
    static string? QueryComputeCapability(long index)
    {
        try
        {
            var start = new ProcessStartInfo("nvidia-smi", $"--query-gpu=compute_cap --format=csv,noheader -i {index}")
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(10_000) || process.ExitCode != 0) return null;
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
        catch (InvalidOperationException) { return null; }
    }
}
