using TorchSharp;

namespace ConVirt.Bench;

/// <summary>What the figures were measured on.</summary>
internal static class Machine
{
    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return "unknown"; }
    }

    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    public static long MemTotalMiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        }
        catch (Exception) { return -1; }
    }

    public static Dictionary<string, object> Describe() => new()
    {
        ["cpu_model"] = CpuModel(),
        ["logical_cores"] = Environment.ProcessorCount,
        ["memory_mib"] = MemTotalMiB(),
        ["load_average"] = LoadAverage(),
        ["torch_threads"] = torch.get_num_threads(),
        ["torch_interop_threads"] = torch.get_num_interop_threads(),
        ["omp_wait_policy"] = Runtime.NativeRuntime.OpenMpWaitPolicy,
        ["allocator_policy"] = Runtime.NativeRuntime.AllocatorPolicy,
        ["torchsharp"] = Runtime.NativeRuntime.TorchSharpVersion,
        ["libtorch"] = Runtime.NativeRuntime.LibTorchVersion,
        ["dotnet"] = Environment.Version.ToString(),
        ["utc"] = DateTime.UtcNow.ToString("u"),
    };
}
