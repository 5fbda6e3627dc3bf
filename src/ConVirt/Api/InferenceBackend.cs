namespace ConVirt;

/// <summary>What computes a frozen encoder's forward passes when it embeds, is evaluated or serves search
/// (docs/api.md "Inference backends"; training and grounding always use libtorch).</summary>
public enum InferenceBackend
{
    /// <summary>ONNX Runtime where it was measured faster and can run (CPU, fp32, the application references the
    /// Microsoft.ML.OnnxRuntime package, a CPU whose cache sizes libtorch's fastest kernels cannot see), else libtorch.</summary>
    Auto,
    /// <summary>The TorchSharp modules, on every device and precision.</summary>
    LibTorch,
    /// <summary>ONNX Runtime's CPU execution provider on the encoder's exported graphs, built on first use and cached
    /// beside the checkpoint's weights; CPU and fp32 only (refused otherwise).</summary>
    OnnxRuntime,
}
