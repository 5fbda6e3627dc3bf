using System.Runtime.Intrinsics.X86;

namespace ConVirt.Precision;

/// <summary>
/// Whether the CPU describes its caches through CPUID (leaf 4 on Intel, leaf 0x8000001D on AMD). oneDNN sizes the
/// blocking of its 1x1 convolutions from those cache sizes, and some hypervisors return zeros there. On such a guest
/// (an AMD EPYC Zen 5 virtual machine measured on 2026-12-05: both leaves all zero, no cache directories in
/// /sys/devices/system/cpu/cpu0/cache) libtorch's oneDNN 1x1 convolutions computed outputs wrong by up to 57 % of
/// their scale and killed the process with SIGFPE (an integer division by zero), under the AVX2 and AVX-512 kernels
/// alike, while 3x3 and 7x7 convolutions and matrix products were right (docs/testing.md). What reads this keeps
/// 1x1 convolutions off oneDNN when the topology is missing (<see cref="PointwiseConvolution"/>).
/// </summary>
internal static class CpuCacheTopology
{
    static readonly Lazy<bool> reported = new(() => IsReported(X86Base.IsSupported ? CpuId : null));

    /// <summary>False on an x86 CPU whose CPUID describes no cache (read once per process); true elsewhere.</summary>
    public static bool Reported => reported.Value;

    /// <summary>One CPUID query: (eax, ebx, ecx, edx) of <paramref name="leaf"/>, <paramref name="subleaf"/>.</summary>
    public delegate (int Eax, int Ebx, int Ecx, int Edx) CpuIdQuery(int leaf, int subleaf);

    /// <summary>
    /// Reads the topology through <paramref name="cpuid"/> (null: not an x86 CPU, where oneDNN's x86 cache detection
    /// does not apply, so true). The first deterministic cache leaf (4 on Intel, 0x8000001D on AMD and Hygon) must be
    /// within the CPU's range and describe a cache (its type field, EAX bits 0-4, not zero).
    /// </summary>
    public static bool IsReported(CpuIdQuery? cpuid)
    {
        if (cpuid is null) return true;
        var (maxLeaf, b, c, d) = cpuid(0, 0);
        var vendor = string.Concat(Ascii(b), Ascii(d), Ascii(c));
        bool amd = vendor is "AuthenticAMD" or "HygonGenuine";
        uint leaf = amd ? 0x8000001Du : 4u;
        uint maxInRange = amd ? (uint)cpuid(unchecked((int)0x80000000u), 0).Eax : (uint)maxLeaf;
        if (maxInRange < leaf) return false;
        return (cpuid(unchecked((int)leaf), 0).Eax & 0x1F) != 0;
    }

    static string Ascii(int register) => new([(char)(register & 0xFF), (char)((register >> 8) & 0xFF), (char)((register >> 16) & 0xFF), (char)((register >> 24) & 0xFF)]);

    static (int, int, int, int) CpuId(int leaf, int subleaf) => X86Base.CpuId(leaf, subleaf);
}
