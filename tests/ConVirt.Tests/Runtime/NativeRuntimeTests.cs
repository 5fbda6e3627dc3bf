using ConVirt.Runtime;

namespace ConVirt.Tests.Runtime;

[Collection(TorchCollection.Name)]
public sealed class NativeRuntimeTests
{
    [Fact]
    public void NativeLibraryLoadsFromTheBuildOutput()
    {
        var status = NativeRuntime.Status;
        Assert.True(status.Loaded, status.Error);
        Assert.Null(status.Error);
        Assert.Equal("0.107.0", NativeRuntime.TorchSharpVersion);
        Assert.StartsWith("2.10", NativeRuntime.LibTorchVersion);
    }

    [Fact]
    public void ALoadFailureBecomesOneSentenceNamingTheLibraryAndCause()
    {
        var inner = new DllNotFoundException("Unable to load shared library 'LibTorchSharp': /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found");
        var message = NativeRuntime.Describe(new TypeInitializationException("TorchSharp.torch", inner));
        Assert.Contains("libLibTorchSharp.so", message);
        Assert.Contains("GLIBCXX_3.4.32", message);
        Assert.Contains("lacks the symbol version", message);
        Assert.DoesNotContain("\n", message);
        var other = NativeRuntime.Describe(new DllNotFoundException("libtorch_cpu.so: cannot open shared object file"));
        Assert.Contains("libtorch_cpu.so", other);
        Assert.StartsWith("TorchSharp's native library", other);
    }

    [Fact]
    public void TheOutputCopyOfTheShimNoLongerNeedsTheMissingVersion()
    {
        // Where the system libstdc++ lacks GLIBCXX_3.4.32, the build removed that need from the copy next to the tests.
        var shim = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).FirstOrDefault();
        if (shim is null || !OperatingSystem.IsLinux()) return;
        var systemHasIt = File.Exists("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
            && System.Text.Encoding.ASCII.GetString(File.ReadAllBytes("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")).Contains("GLIBCXX_3.4.32\0", StringComparison.Ordinal);
        if (systemHasIt) return;
        Assert.DoesNotContain("GLIBCXX_3.4.32", ElfVersionNeeds.Read(File.ReadAllBytes(shim)));
        Assert.Contains("GLIBCXX_3.4.30", ElfVersionNeeds.Read(File.ReadAllBytes(shim)));
    }
}
