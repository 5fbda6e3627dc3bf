namespace ConVirt;

/// <summary>Where an encoder computes. The device must be one the application's TorchSharp backend package supports:
/// <see cref="Cpu"/> with TorchSharp-cpu, <see cref="Cuda"/> with a TorchSharp CUDA package and an NVIDIA GPU.</summary>
public enum ComputeDevice
{
    /// <summary>The CPU (libtorch's intra-op threads; see <see cref="EncoderOptions.Threads"/>).</summary>
    Cpu,
    /// <summary>The first CUDA GPU.</summary>
    Cuda,
}
