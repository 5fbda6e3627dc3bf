using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ConVirt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Runtime;

/// <summary>MKL's vendor check answered for non-Intel CPUs with AVX-512, and the products of the kernels that unlocks.</summary>
[Collection(TorchCollection.Name)]
public sealed class MklDispatchTests
{
    // the first bytes of mkl_serv_intel_cpu_true in libtorch 2.10.0's libtorch_cpu.so, at 0xbdc5670 (objdump -d):
    // mov 0x998671a(%rip),%eax; test %eax,%eax; js +1; ret. objdump names the target: 0x1574bd90 <...cached>
    static readonly byte[] Libtorch210Code = [0x8B, 0x05, 0x1A, 0x67, 0x98, 0x09, 0x85, 0xC0, 0x78, 0x01, 0xC3];

    [Fact]
    public void TheCachedAnswerIsFoundFromTheFunctionsFirstInstructions()
    {
        Assert.Equal(0x1574bd90L, MklDispatch.CachedAnswerAddress(Libtorch210Code, 0xbdc5670L));
        // a negative displacement: the target lies before the function
        byte[] back = [0x8B, 0x05, 0xFA, 0xFF, 0xFF, 0xFF, 0x85, 0xC0, 0x78, 0x01, 0xC3];
        Assert.Equal(0x1000L + 6 - 6, MklDispatch.CachedAnswerAddress(back, 0x1000L));
    }

    [Theory]
    [InlineData(0, (byte)0x8D)]   // lea instead of mov
    [InlineData(1, (byte)0x0D)]   // mov into ecx
    [InlineData(6, (byte)0x31)]   // not test eax, eax
    [InlineData(8, (byte)0x79)]   // jns instead of js
    [InlineData(10, (byte)0x90)]  // no ret after the branch
    public void AnyOtherCodeIsLeftAlone(int index, byte replacement)
    {
        var code = (byte[])Libtorch210Code.Clone();
        code[index] = replacement;
        Assert.Null(MklDispatch.CachedAnswerAddress(code, 0xbdc5670L));
        Assert.Null(MklDispatch.CachedAnswerAddress(Libtorch210Code.AsSpan(0, 10), 0xbdc5670L));
    }

    [Theory]
    [InlineData(null, "Auto")]
    [InlineData("", "Auto")]
    [InlineData(" Auto ", "Auto")]
    [InlineData("vendor", "Vendor")]
    [InlineData("VENDOR", "Vendor")]
    [InlineData("intel", "Intel")]
    public void ThePolicyIsReadFromTheEnvironment(string? value, string expected) =>
        Assert.Equal(Enum.Parse<MklDispatchPolicy>(expected), MklDispatch.FromEnvironment(value));

    [Fact]
    public void AnotherPolicyValueIsRefusedByName()
    {
        var e = Assert.Throws<InvalidOperationException>(() => MklDispatch.FromEnvironment("amd"));
        Assert.Contains("CONVIRT_MKL='amd'", e.Message);
        Assert.Contains("auto, vendor, intel", e.Message);
    }

    [Theory]
    [InlineData("GenuineIntel", true, "Auto", false)]
    [InlineData("GenuineIntel", false, "Intel", false)]
    [InlineData("AuthenticAMD", false, "Auto", false)]
    [InlineData("AuthenticAMD", true, "Auto", true)]
    [InlineData("HygonGenuine", true, "Auto", true)]
    [InlineData("AuthenticAMD", true, "Vendor", false)]
    [InlineData("AuthenticAMD", false, "Intel", true)]
    public void AutoAnswersForNonIntelCpusWithAvx512AndIntelForAnyNonIntelCpu(string vendor, bool avx512, string policy, bool expected) =>
        Assert.Equal(expected, MklDispatch.Qualifies(vendor, avx512, Enum.Parse<MklDispatchPolicy>(policy)));

    [Fact]
    public void OnThisMachineMklFollowsTheRule()
    {
        Assert.True(NativeRuntime.Status.Loaded);
        if (!X86Base.IsSupported) { Assert.False(MklDispatch.State.Unlocked); return; }
        var (_, b, c, d) = X86Base.CpuId(0, 0);
        var vendor = string.Concat(new[] { b, d, c }.Select(r => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(r))));
        bool avx512 = Avx512F.IsSupported && Avx512CD.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;
        MklDispatchPolicy policy;
        try { policy = MklDispatch.FromEnvironment(Environment.GetEnvironmentVariable(MklDispatch.EnvironmentVariable)); }
        catch (InvalidOperationException) { policy = MklDispatchPolicy.Vendor; }   // a bad value leaves MKL alone
        bool shouldUnlock = MklDispatch.Qualifies(vendor, avx512, policy);
        Assert.True(shouldUnlock == MklDispatch.State.Unlocked, $"{vendor}, AVX-512 {avx512}: {MklDispatch.State.Reason}");

        // MKL's own record of the kernels it chose (0: its generic path), read after a product made it choose
        Assert.True(NativeRuntime.TryGetLibTorchExport("mkl_serv_get_cpu_type", out var getCpuType));
        using (var a = torch.ones(64, 64)) using (a.mm(a)) { }
        int cpuType = GetCpuType(getCpuType);
        if (MklDispatch.State.Unlocked) Assert.NotEqual(0, cpuType);
        else if (vendor != "GenuineIntel") Assert.Equal(0, cpuType);
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate int CpuTypeQuery(int redetect);

    static int GetCpuType(IntPtr function) => Marshal.GetDelegateForFunctionPointer<CpuTypeQuery>(function)(0);

    [Theory]
    // (rows, in, out): the models' shapes scaled down, and sizes no kernel block divides
    [InlineData(96, 384, 1536)]
    [InlineData(96, 1536, 384)]
    [InlineData(313, 64, 256)]
    [InlineData(37, 1024, 256)]
    [InlineData(5, 7, 3)]
    [InlineData(1, 768, 768)]
    public void LinearLayersEqualFloat64ForwardAndBackward(int rows, int inFeatures, int outFeatures)
    {
        // whatever kernels MKL runs in this process (unlocked where the rule says so): a linear layer's value and
        // gradients, through nn.functional.linear (sgemm with both operand orders), against float64
        torch.manual_seed(11);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(rows, inFeatures);
        var w = torch.randn(outFeatures, inFeatures) * (1.0 / Math.Sqrt(inFeatures));
        var bias = torch.randn(outFeatures);
        var g = torch.randn(rows, outFeatures);
        var x64 = x.to(float64).requires_grad_();
        var w64 = w.to(float64).requires_grad_();
        var reference = nn.functional.linear(x64, w64, bias.to(float64));
        (reference * g.to(float64)).sum().backward();
        var xi = x.clone().requires_grad_();
        var wi = w.clone().requires_grad_();
        var y = nn.functional.linear(xi, wi, bias);
        (y * g).sum().backward();
        AssertClose(y, reference, "output");
        AssertClose(xi.grad!, x64.grad!, "input gradient");
        AssertClose(wi.grad!, w64.grad!, "weight gradient");
    }

    [Fact]
    public void BatchedProductsOfAttentionEqualFloat64()
    {
        torch.manual_seed(12);
        using var scope = torch.NewDisposeScope();
        var q = torch.randn(6, 24, 64);
        var k = torch.randn(6, 24, 64);
        var scores = torch.bmm(q, k.transpose(1, 2));
        AssertClose(scores, torch.bmm(q.to(float64), k.to(float64).transpose(1, 2)), "q kᵀ");
        var p = scores.softmax(-1);
        AssertClose(torch.bmm(p, q), torch.bmm(p.to(float64), q.to(float64)), "p v");
    }

    static void AssertClose(Tensor actual, Tensor reference, string what)
    {
        // float32 accumulation over up to 1536 terms: errors of a few 1e-6 of the output's scale; a wrong kernel
        // (as oneDNN's 1x1 convolutions on a guest that hides its caches) is off by tens of percent
        double scale = reference.abs().max().item<double>();
        double error = (actual.to(float64) - reference).abs().max().item<double>();
        Assert.True(error <= 1e-5 * scale, $"{what}: max error {error:G3} against scale {scale:G3} ({MklDispatch.State.Reason})");
    }
}
