using ConVirt.Models.Kernels;
using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models;

/// <summary>
/// The projection g: Linear -> ReLU -> Linear, <c>W2 · ReLU(W1 · h)</c>, built as PyTorch's
/// <c>nn.Sequential(nn.Linear(in, hidden), nn.ReLU(), nn.Linear(hidden, out))</c>, so its parameter names are
/// <c>0.weight, 0.bias, 2.weight, 2.bias</c> under the owning field (<c>image_projection.</c>, <c>text_projection.</c>).
/// </summary>
internal static class ProjectionHead
{
    /// <summary>Creates g with the given widths.</summary>
    public static Sequential Create(long inFeatures, long hidden, long outFeatures) =>
        torch.nn.Sequential(("0", torch.nn.Linear(inFeatures, hidden)), ("1", torch.nn.ReLU()), ("2", torch.nn.Linear(hidden, outFeatures)));

    /// <summary>
    /// g(h) [B, out] in float32 for h [B, in]: the linear layers in the precision in force (<see cref="DenseKernel.Linear"/>),
    /// the result cast to float32 for what follows (L2 normalisation, the losses). Every caller goes through here rather
    /// than <c>head.call</c>, which would compute in float32 whatever the policy.
    /// </summary>
    public static Tensor Forward(Sequential head, Tensor h)
    {
        ArgumentNullException.ThrowIfNull(head);
        using var scope = torch.NewDisposeScope();
        var x = h;
        foreach (var (_, module) in head.named_children())
        {
            x = module switch
            {
                Linear linear => DenseKernel.Linear(linear, x),
                torch.nn.Module<torch.Tensor, torch.Tensor> other => other.call(x),
                _ => throw new InvalidOperationException($"projection head module {module.GetName()} is not a tensor-to-tensor module"),
            };
        }
        return Autocast.ToFloat32(x).MoveToOuterDisposeScope();
    }
}
