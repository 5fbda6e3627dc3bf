using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>Turns managed batch buffers into tensors on a device.</summary>
internal static class BatchTensors
{
    /// <summary>[count, 1, size, size] float32 on <paramref name="device"/>.</summary>
    public static Tensor Images(float[] pixels, int count, int size, Device device)
    {
        if (pixels.Length < (long)count * size * size) throw new ArgumentException("image buffer smaller than count x size x size");
        var data = pixels.Length == count * size * size ? pixels : pixels.AsSpan(0, count * size * size).ToArray();
        var t = torch.tensor(data, [count, 1, size, size]);
        if (device.type == DeviceType.CPU) return t;
        using (t) return t.to(device);
    }
}
