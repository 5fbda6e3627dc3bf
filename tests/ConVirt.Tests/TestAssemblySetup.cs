using System.Runtime.CompilerServices;
using ConVirt.Runtime;

namespace ConVirt.Tests;

internal static class TestAssemblySetup
{
    /// <summary>
    /// Loads libtorch through <see cref="NativeRuntime"/> before any test touches a tensor, so the same OpenMP
    /// settings apply as in the tool (passive waiting: the suite shares 2 cores with the test host).
    /// </summary>
#pragma warning disable CA2255 // a test assembly is the place for this
    [ModuleInitializer]
    internal static void Initialise() => _ = NativeRuntime.Status;
#pragma warning restore CA2255
}
