using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Losses;

/// <summary>
/// ConVIRT's bidirectional InfoNCE. Inputs: projected image vectors v [N, d] and text vectors u [N, d]
/// (not normalised; cosine similarity is taken here). Pair i is the positive of row i, all other rows of the
/// batch are its negatives.
/// <code>
/// l_i(v→u) = -log( exp(&lt;v_i,u_i&gt;/τ) / Σ_k exp(&lt;v_i,u_k&gt;/τ) )
/// l_i(u→v) = -log( exp(&lt;u_i,v_i&gt;/τ) / Σ_k exp(&lt;u_i,v_k&gt;/τ) )
/// L = mean_i [ λ·l_i(v→u) + (1-λ)·l_i(u→v) ]
/// </code>
/// </summary>
internal sealed class ConVirtLoss
{
    /// <summary>Temperature τ.</summary>
    public double Temperature { get; }
    /// <summary>Weight λ of the image-to-text direction.</summary>
    public double Lambda { get; }

    public ConVirtLoss(double temperature = 0.1, double lambda = 0.75)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "τ must be > 0");
        if (lambda is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(lambda), "λ must be within [0, 1]");
        Temperature = temperature;
        Lambda = lambda;
    }

    /// <summary>Cosine-similarity logits v·uᵀ/τ, [N, N] (row i: image i against every text).</summary>
    public Tensor Logits(Tensor v, Tensor u)
    {
        using var scope = torch.NewDisposeScope();
        var vn = nn.functional.normalize(v, p: 2, dim: 1);
        var un = nn.functional.normalize(u, p: 2, dim: 1);
        return vn.matmul(un.t()).div_(Temperature).MoveToOuterDisposeScope();
    }

    /// <summary>The loss and both directions for v [N, d], u [N, d].</summary>
    public ContrastiveLossOutput Compute(Tensor v, Tensor u)
    {
        if (v.dim() != 2 || u.dim() != 2 || v.shape[0] != u.shape[0] || v.shape[1] != u.shape[1])
            throw new ArgumentException($"ConVIRT loss needs v and u of the same shape [N, d], got [{string.Join(", ", v.shape)}] and [{string.Join(", ", u.shape)}]");
        using var scope = torch.NewDisposeScope();
        var logits = Logits(v, u);
        var targets = torch.arange(v.shape[0], dtype: int64, device: v.device);
        var imageToText = nn.functional.cross_entropy(logits, targets);
        var textToImage = nn.functional.cross_entropy(logits.t(), targets);
        var total = imageToText * Lambda + textToImage * (1 - Lambda);
        return new ContrastiveLossOutput(total.MoveToOuterDisposeScope(), imageToText.MoveToOuterDisposeScope(), textToImage.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// This rank's share of the loss of a global batch: rows <paramref name="offset"/> ... <paramref name="offset"/> +
    /// <paramref name="count"/> - 1 of v [B, d] and u [B, d] against all B columns, summed and divided by B, so that
    /// the shares of all ranks add up to <see cref="Compute"/> over the whole batch (and so do their gradients).
    /// </summary>
    public ContrastiveLossOutput ComputeRows(Tensor v, Tensor u, long offset, long count)
    {
        if (v.dim() != 2 || u.dim() != 2 || v.shape[0] != u.shape[0] || v.shape[1] != u.shape[1])
            throw new ArgumentException($"ConVIRT loss needs v and u of the same shape [B, d], got [{string.Join(", ", v.shape)}] and [{string.Join(", ", u.shape)}]");
        if (offset < 0 || count < 1 || offset + count > v.shape[0]) throw new ArgumentOutOfRangeException(nameof(offset), $"rows {offset}+{count} outside a batch of {v.shape[0]}");
        using var scope = torch.NewDisposeScope();
        long b = v.shape[0];
        var vn = nn.functional.normalize(v, p: 2, dim: 1);
        var un = nn.functional.normalize(u, p: 2, dim: 1);
        var targets = torch.arange(offset, offset + count, dtype: int64, device: v.device);
        var imageToText = nn.functional.cross_entropy(vn.narrow(0, offset, count).matmul(un.t()).div_(Temperature), targets, reduction: nn.Reduction.Sum) / b;
        var textToImage = nn.functional.cross_entropy(un.narrow(0, offset, count).matmul(vn.t()).div_(Temperature), targets, reduction: nn.Reduction.Sum) / b;
        var total = imageToText * Lambda + textToImage * (1 - Lambda);
        return new ContrastiveLossOutput(total.MoveToOuterDisposeScope(), imageToText.MoveToOuterDisposeScope(), textToImage.MoveToOuterDisposeScope());
    }
}
