using ConVirt.Data.Pipeline;
using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>
/// Contrastive losses over the global batch in data-parallel training (OpenCLIP's <c>--local-loss
/// --gather-with-grad</c>, done by hand): every rank all-gathers the detached projections of all ranks, computes the
/// loss of its own rows against all B columns, back-propagates to the gathered tensors, and reduce-scatters their
/// gradients so that each rank receives the full gradient of the global loss with respect to its own rows. Slices of
/// unequal size (a last batch that N does not divide) are padded for the collectives and cut back.
/// </summary>
internal sealed class GlobalNegatives
{
    private readonly ICollectives world;
    private readonly int[] starts, counts;
    private readonly int maxRows;

    /// <summary>The collectives and this rank's slice of the batch being trained.</summary>
    public GlobalNegatives(ICollectives world, BatchSlice slice)
    {
        this.world = world;
        Slice = slice;
        starts = Enumerable.Range(0, world.Size).Select(r => BatchSlice.Start(slice.GlobalCount, r, world.Size)).ToArray();
        counts = Enumerable.Range(0, world.Size).Select(r => BatchSlice.Start(slice.GlobalCount, r + 1, world.Size) - starts[r]).ToArray();
        if (starts[world.Rank] != slice.Offset || counts[world.Rank] != slice.Count)
            throw new ArgumentException($"rank {world.Rank} of {world.Size} holds rows {starts[world.Rank]}+{counts[world.Rank]} of a batch of {slice.GlobalCount}, not {slice.Offset}+{slice.Count}");
        maxRows = counts.Max();
    }

    /// <summary>This rank's rows of the global batch.</summary>
    public BatchSlice Slice { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => world.Rank;

    /// <summary>Ranks the global batch is spread over (1 in a single process).</summary>
    public int Ranks => world.Size;

    /// <summary>The whole batch <paramref name="batch"/> in a single process: a world of one rank.</summary>
    public static GlobalNegatives SingleProcess(int batch) => new(SingleProcessCollectives.Instance, BatchSlice.Of(batch, 0, 1));

    /// <summary>Every rank's <paramref name="own"/> rows [n_r, ...] in batch order [B, ...], detached.</summary>
    public Tensor Gather(Tensor own)
    {
        if (own.shape[0] != Slice.Count) throw new ArgumentException($"expected this rank's {Slice.Count} rows, got {own.shape[0]}");
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var padded = Pad(own.detach());
        var gathered = world.AllGather(padded);
        if (counts.All(c => c == maxRows)) return gathered.MoveToOuterDisposeScope();
        return gathered.index_select(0, ValidRows(own.device)).MoveToOuterDisposeScope();
    }

    /// <summary>Sums <paramref name="full"/> [B, ...] (a gradient every rank holds for the whole batch) over ranks and returns this rank's rows.</summary>
    public Tensor Scatter(Tensor full)
    {
        if (full.shape[0] != Slice.GlobalCount) throw new ArgumentException($"expected the batch's {Slice.GlobalCount} rows, got {full.shape[0]}");
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Tensor blocks = full.detach();
        if (!counts.All(c => c == maxRows))
        {
            var shape = full.shape.ToArray();
            shape[0] = (long)maxRows * world.Size;
            blocks = torch.zeros(shape, dtype: full.dtype, device: full.device).index_copy_(0, ValidRows(full.device), full.detach());
        }
        return world.ReduceScatterSum(blocks.contiguous()).narrow(0, 0, Slice.Count).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Sums every rank's share of the loss: the global loss, the same on every rank (detached).</summary>
    public ContrastiveLossOutput Sum(ContrastiveLossOutput share)
    {
        using var _ = torch.no_grad();
        var parts = torch.stack([share.Total.detach(), share.ImageToText.detach(), share.TextToImage.detach()]).contiguous();
        world.AllReduceSum(parts);
        var result = new ContrastiveLossOutput(parts[0], parts[1], parts[2]);
        return result;
    }

    /// <summary>
    /// Gathers <paramref name="own"/> (this rank's rows of each embedding), computes <paramref name="share"/> of the
    /// loss on the gathered tensors, and returns the global loss with the gradients of the global loss with respect
    /// to this rank's rows of each embedding (to back-propagate into the encoders).
    /// </summary>
    public (ContrastiveLossOutput Loss, Tensor[] Gradients) Backward(Tensor[] own, Func<Tensor[], ContrastiveLossOutput> share)
    {
        var gathered = own.Select(o => Gather(o).requires_grad_(true)).ToArray();
        try
        {
            var mine = share(gathered);
            mine.Total.backward();
            var gradients = gathered.Select(g => Scatter(g.grad!)).ToArray();
            return (Sum(mine), gradients);
        }
        finally
        {
            foreach (var g in gathered) g.Dispose();
        }
    }

    private Tensor Pad(Tensor own)
    {
        if (own.shape[0] == maxRows) return own.contiguous();
        var shape = own.shape.ToArray();
        shape[0] = maxRows - own.shape[0];
        return torch.cat([own, torch.zeros(shape, dtype: own.dtype, device: own.device)], 0).contiguous();
    }

    private Tensor ValidRows(Device device)
    {
        var rows = new long[Slice.GlobalCount];
        int k = 0;
        for (int r = 0; r < world.Size; r++)
            for (int j = 0; j < counts[r]; j++) rows[k++] = (long)r * maxRows + j;
        return torch.tensor(rows, device: device);
    }
}
