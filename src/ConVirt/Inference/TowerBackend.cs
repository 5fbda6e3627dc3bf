namespace ConVirt.Inference;

/// <summary>What computes a frozen encoder's towers (the public API's <c>InferenceBackend</c>).</summary>
internal enum TowerBackend
{
    /// <summary>ONNX Runtime where <see cref="TowerBackends.Resolve"/> finds it faster and able to run, else libtorch.</summary>
    Auto,
    /// <summary>The TorchSharp modules (every device and precision).</summary>
    LibTorch,
    /// <summary>ONNX Runtime's CPU execution provider on the encoder's exported graphs (CPU, fp32).</summary>
    OnnxRuntime,
}
