namespace ConVirt.Runtime;

/// <summary>
/// libtorch asks whether NNPACK (a mobile convolution library) is available before every float convolution it might
/// send there, and where NNPACK cannot initialise (on this project's AMD Zen 5 guest: "unsupported hardware") it logs
/// <c>Could not initialize NNPACK! Reason: Unsupported hardware.</c> on every such call: 48 lines in one
/// <c>convirt demo</c>, about 2,700 in the test suite. NNPACK is never used there anyway, so when its own
/// <c>nnp_initialize</c> fails this turns libtorch's NNPACK switch off (<c>at::Context::setUserEnabledNNPACK(false)</c>,
/// as <c>torch.backends.nnpack.set_flags(False)</c> does in Python), which skips the question and its warning.
/// Nothing is computed differently. Where NNPACK initialises, or a symbol is missing, nothing changes.
/// </summary>
internal static class NnpackSwitch
{
    /// <summary>True once this process turned NNPACK off because it cannot initialise here.</summary>
    public static bool TurnedOff { get; private set; }

    /// <summary>Run once after libtorch loaded.</summary>
    internal static unsafe void ApplyOnLoad()
    {
        if (Initialise() is not { } status || status == 0) return;   // 0: nnp_status_success
        if (GlobalContext() is not { } context
            || !NativeRuntime.TryGetLibTorchExport("_ZN2at7Context20setUserEnabledNNPACKEb", out var setEnabled))
            return;
        ((delegate* unmanaged<IntPtr, byte, void>)setEnabled)(context, 0);
        TurnedOff = Enabled() == false;
    }

    /// <summary>NNPACK's own initialisation status (0 success; it initialises once per process), or null when libtorch has no NNPACK.</summary>
    internal static unsafe int? Initialise() =>
        NativeRuntime.TryGetLibTorchExport("nnp_initialize", out var init) ? ((delegate* unmanaged<int>)init)() : null;

    /// <summary>libtorch's NNPACK switch (<c>at::Context::userEnabledNNPACK</c>), or null when it cannot be read.</summary>
    internal static unsafe bool? Enabled() =>
        GlobalContext() is { } context && NativeRuntime.TryGetLibTorchExport("_ZNK2at7Context17userEnabledNNPACKEv", out var enabled)
            ? ((delegate* unmanaged<IntPtr, byte>)enabled)(context) != 0
            : null;

    /// <summary><c>&amp;at::globalContext()</c>, or null when libtorch does not export it.</summary>
    static unsafe IntPtr? GlobalContext() =>
        NativeRuntime.TryGetLibTorchExport("_ZN2at13globalContextEv", out var globalContext) ? ((delegate* unmanaged<IntPtr>)globalContext)() : null;
}
