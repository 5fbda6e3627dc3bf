using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>
/// The precision in force where the model computes. The kernels that PyTorch's autocast lowers (convolutions through
/// <see cref="Models.Vision.ChannelsLastConv"/>, linear layers through <see cref="Models.Kernels.DenseKernel"/>, attention)
/// ask it which policy applies; outside any region that is <see cref="Float32Policy"/>, the project's behaviour
/// before mixed precision. Ambient like <c>torch.autocast</c> (its state is thread-local in PyTorch; here it flows
/// with the .NET execution context), so the training loop and the evaluation jobs choose the precision in one place
/// and the model code carries no precision argument.
/// </summary>
internal static class Autocast
{
    static readonly AsyncLocal<AutocastRegion?> current = new();

    /// <summary>The innermost open region, or null.</summary>
    public static AutocastRegion? Current => current.Value;

    /// <summary>The policy in force (<see cref="Float32Policy.Instance"/> outside every region).</summary>
    public static PrecisionPolicy Policy => current.Value?.Policy ?? Float32Policy.Instance;

    /// <summary>Opens a region computing under <paramref name="policy"/> until the result is disposed.</summary>
    public static AutocastRegion Enter(PrecisionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var region = new AutocastRegion(policy, current.Value);
        current.Value = region;
        return region;
    }

    internal static void Restore(AutocastRegion closing, AutocastRegion? previous)
    {
        if (ReferenceEquals(current.Value, closing)) current.Value = previous;
    }

    /// <summary>A 2-d convolution under the policy in force (square stride and padding).</summary>
    public static Tensor Convolution(Tensor x, Tensor weight, Tensor? bias, long stride, long padding, bool channelsLast) =>
        Policy.Convolution(x, weight, bias, stride, padding, channelsLast, current.Value?.Cache);

    /// <summary>x Wᵀ + b under the policy in force; <paramref name="float32Kernel"/> computes it in float32.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> float32Kernel) =>
        Policy.Linear(x, weight, bias, float32Kernel, current.Value?.Cache);

    /// <summary>Scaled dot-product attention of q, k, v [B, heads, L, d] with an additive mask, under the policy in force.</summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor additiveMask, double dropout) =>
        Policy.Attention(q, k, v, additiveMask, dropout);

    /// <summary>
    /// <paramref name="x"/> in float32: where a float32 operation begins (pooled features, projections before the
    /// loss, logits). A float32 input comes back as an alias (the caller disposes what it gets either way).
    /// </summary>
    public static Tensor ToFloat32(Tensor x) =>
        x.dtype is ScalarType.BFloat16 or ScalarType.Float16 ? x.to(ScalarType.Float32) : x.alias();
}
