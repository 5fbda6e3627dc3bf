using ConVirt.Configuration;
using ConVirt.Precision;

namespace ConVirt.Tests.Precision;

/// <summary>What <c>--precision auto</c> decides from: CPU flags, CUDA compute capability; and how modes resolve.</summary>
public sealed class Bf16HardwareTests
{
    const string Zen3 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx avx2 fma bmi2\n";
    const string Zen5 = "model name\t: AMD EPYC 9B45\nflags\t\t: avx2 avx512f avx512bw avx512_bf16 avx512_vnni\n";
    const string SapphireRapids = "model name\t: Intel Xeon Platinum 8480\nflags\t\t: avx512f amx_bf16 amx_tile amx_int8\n";

    [Fact]
    public void CpuFlagsDecideNativeBfloat16()
    {
        var zen3 = Bf16Hardware.FromCpuInfo(Zen3);
        Assert.False(zen3.Native);
        Assert.Contains("AMD EPYC 7B13", zen3.Reason);
        Assert.Contains("no AVX-512", zen3.Reason);
        var zen5 = Bf16Hardware.FromCpuInfo(Zen5);
        Assert.True(zen5.Native);
        Assert.Contains("avx512_bf16", zen5.Reason);
        Assert.True(Bf16Hardware.FromCpuInfo(SapphireRapids).Native);
        // a flag that merely contains the name does not count
        Assert.False(Bf16Hardware.FromCpuInfo("flags\t: avx512_bf16x amx_bf16_not\n").Native);
        var none = Bf16Hardware.FromCpuInfo("processor : 0\n");
        Assert.False(none.Native);
        Assert.Contains("no CPU flags line", none.Reason);
    }

    [Fact]
    public void ThisMachinesCpuIsReadFromProcCpuinfo()
    {
        if (!File.Exists("/proc/cpuinfo")) return;
        var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
        bool expected = flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
        Assert.Equal(expected, Bf16Hardware.Detect(TorchSharp.torch.CPU).Native);
    }

    [Theory]
    [InlineData("8.0", true)]
    [InlineData("9.0", true)]
    [InlineData(" 8.6\n", true)]
    [InlineData("7.5", false)]
    [InlineData("6.1", false)]
    [InlineData("N/A", false)]
    [InlineData(null, false)]
    public void CudaComputeCapabilityEightAndAboveIsNative(string? capability, bool native)
    {
        var support = Bf16Hardware.FromComputeCapability(capability);
        Assert.Equal(native, support.Native);
        Assert.False(string.IsNullOrWhiteSpace(support.Reason));
    }

    [Fact]
    public void ModesResolveByHardware()
    {
        var native = new Bf16Support(true, "has avx512_bf16");
        var emulated = new Bf16Support(false, "has neither");
        Assert.IsType<Float32Policy>(PrecisionPolicy.Resolve(PrecisionMode.Fp32, native).Policy);
        Assert.IsType<Float32Policy>(PrecisionPolicy.Resolve(PrecisionMode.Auto, emulated).Policy);
        var auto = Assert.IsType<BFloat16Policy>(PrecisionPolicy.Resolve(PrecisionMode.Auto, native).Policy);
        Assert.Equal(Bf16Kernels.Native, auto.Kernels);
        Assert.Equal(Bf16Kernels.Native, Assert.IsType<BFloat16Policy>(PrecisionPolicy.Resolve(PrecisionMode.Bf16, native).Policy).Kernels);
        var forced = PrecisionPolicy.Resolve(PrecisionMode.Bf16, emulated);
        Assert.Equal(Bf16Kernels.Upcast, Assert.IsType<BFloat16Policy>(forced.Policy).Kernels);
        Assert.Contains("slower than fp32", forced.Reason);
        Assert.Contains("has neither", PrecisionPolicy.Resolve(PrecisionMode.Auto, emulated).Reason);
    }

    [Theory]
    [InlineData("fp32", PrecisionMode.Fp32)]
    [InlineData("BF16", PrecisionMode.Bf16)]
    [InlineData(" auto ", PrecisionMode.Auto)]
    [InlineData("bfloat16", PrecisionMode.Bf16)]
    public void PrecisionValuesParse(string value, object mode) => Assert.Equal((PrecisionMode)mode, PrecisionPolicy.ParseMode(value));   // object: the enum is internal

    [Fact]
    public void AnUnknownPrecisionIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => PrecisionPolicy.ParseMode("fp16"));
        Assert.Contains("'fp16'", e.Message);
        Assert.Contains("fp32, bf16 or auto", e.Message);
    }

    [Fact]
    public void ConfigCarriesPrecisionThroughJsonAndRefusesUnknownValues()
    {
        Assert.Equal(PrecisionMode.Fp32, ConVirtConfig.CpuSmall.Precision);
        var json = (ConVirtConfig.CpuSmall with { Precision = PrecisionMode.Bf16 }).ToJson();
        Assert.Contains("\"precision\": \"bf16\"", json);
        Assert.Equal(PrecisionMode.Bf16, ConVirtConfig.FromJson(json).Precision);
        Assert.Equal(PrecisionMode.Auto, ConVirtConfig.FromJson("{\"precision\": \"auto\"}").Precision);
        var e = Assert.Throws<FormatException>(() => ConVirtConfig.FromJson("{\"precision\": \"fp8\"}", "run/config.json"));
        Assert.Contains("run/config.json", e.Message);
        Assert.Contains("precision", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
