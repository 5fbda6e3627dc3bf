using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>
/// Hands a tensor's values to native code that reads or writes host memory (an MPI build that is not CUDA-aware):
/// a contiguous CPU tensor directly, anything else (a GPU tensor, a strided view) through a contiguous host copy
/// that is copied back when the call wrote into it.
/// </summary>
internal static unsafe class HostMemory
{
    /// <summary>Calls <paramref name="action"/> with the address and byte length of <paramref name="tensor"/>'s values.</summary>
    public static void With(Tensor tensor, bool writesBack, Action<nint, long> action)
    {
        if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
        {
            var span = tensor.bytes;
            fixed (byte* p = span) action((nint)p, span.Length);
            return;
        }
        using var _ = torch.no_grad();
        using var host = tensor.detach().to(DeviceType.CPU).contiguous().clone();
        var hostSpan = host.bytes;
        fixed (byte* p = hostSpan) action((nint)p, hostSpan.Length);
        if (writesBack) tensor.copy_(host);
    }

    /// <summary>A new contiguous CPU tensor with <paramref name="tensor"/>'s values.</summary>
    public static Tensor HostCopy(Tensor tensor)
    {
        using var _ = torch.no_grad();
        return tensor.detach().to(DeviceType.CPU).contiguous().clone();
    }
}
