using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Losses;

/// <summary>
/// SimCLR's NT-Xent over 2N views: z = [z_a; z_b] normalised; for each of the 2N rows the positive is the
/// other view of the same image and the 2N-2 other rows are negatives;
/// <c>l_i = -log( exp(sim(i, p(i))/τ) / Σ_{k≠i} exp(sim(i, k)/τ) )</c>, L = mean over the 2N rows.
/// </summary>
internal static class NtXentLoss
{
    /// <summary>z_a, z_b [N, d] (not normalised) -> scalar loss.</summary>
    public static Tensor Compute(Tensor za, Tensor zb, double temperature)
    {
        if (za.dim() != 2 || !za.shape.SequenceEqual(zb.shape)) throw new ArgumentException("NT-Xent needs two views of the same shape [N, d]");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "τ must be > 0");
        using var scope = torch.NewDisposeScope();
        long n = za.shape[0];
        var z = nn.functional.normalize(torch.cat([za, zb], 0), p: 2, dim: 1);   // [2N, d]
        var logits = z.matmul(z.t()).div_(temperature);                            // [2N, 2N]
        var self = torch.eye(2 * n, dtype: ScalarType.Bool, device: z.device);
        logits = logits.masked_fill(self, float.NegativeInfinity);
        var targets = torch.cat([torch.arange(n, 2 * n, device: z.device), torch.arange(0, n, device: z.device)]);
        return nn.functional.cross_entropy(logits, targets).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// This rank's share of NT-Xent over a global batch: the rows of images <paramref name="offset"/> ...
    /// <paramref name="offset"/> + <paramref name="count"/> - 1 in both views of z_a, z_b [B, d], against all 2B views,
    /// summed and divided by 2B, so that the shares of all ranks add up to <see cref="Compute"/> over the whole batch.
    /// </summary>
    public static Tensor ComputeRows(Tensor za, Tensor zb, long offset, long count, double temperature)
    {
        if (za.dim() != 2 || !za.shape.SequenceEqual(zb.shape)) throw new ArgumentException("NT-Xent needs two views of the same shape [B, d]");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "τ must be > 0");
        long b = za.shape[0];
        if (offset < 0 || count < 1 || offset + count > b) throw new ArgumentOutOfRangeException(nameof(offset), $"rows {offset}+{count} outside a batch of {b}");
        using var scope = torch.NewDisposeScope();
        var z = nn.functional.normalize(torch.cat([za, zb], 0), p: 2, dim: 1);                       // [2B, d]
        var rows = torch.cat([torch.arange(offset, offset + count, device: z.device), torch.arange(b + offset, b + offset + count, device: z.device)]);
        var logits = z.index_select(0, rows).matmul(z.t()).div_(temperature);                            // [2c, 2B]
        var self = nn.functional.one_hot(rows, 2 * b).to(ScalarType.Bool);
        logits = logits.masked_fill(self, float.NegativeInfinity);
        var targets = torch.cat([torch.arange(b + offset, b + offset + count, device: z.device), torch.arange(offset, offset + count, device: z.device)]);
        return (nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum) / (2 * b)).MoveToOuterDisposeScope();
    }
}
