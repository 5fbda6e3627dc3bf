using TorchSharp;
using TorchSharp.Modules;

namespace ConVirt.Models;

/// <summary>
/// The projection g: Linear -> ReLU -> Linear, <c>W2 · ReLU(W1 · h)</c>, built as PyTorch's
/// <c>nn.Sequential(nn.Linear(in, hidden), nn.ReLU(), nn.Linear(hidden, out))</c>, so its parameter names are
/// <c>0.weight, 0.bias, 2.weight, 2.bias</c> under the owning field (<c>image_projection.</c>, <c>text_projection.</c>).
/// </summary>
public static class ProjectionHead
{
    /// <summary>Creates g with the given widths.</summary>
    public static Sequential Create(long inFeatures, long hidden, long outFeatures) =>
        torch.nn.Sequential(("0", torch.nn.Linear(inFeatures, hidden)), ("1", torch.nn.ReLU()), ("2", torch.nn.Linear(hidden, outFeatures)));
}
