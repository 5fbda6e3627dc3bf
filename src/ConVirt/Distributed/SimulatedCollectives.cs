using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>One rank of a <see cref="SimulatedWorld"/>: MPI's collective semantics inside one process.</summary>
internal sealed class SimulatedCollectives : ICollectives
{
    private readonly SimulatedWorld world;

    internal SimulatedCollectives(SimulatedWorld world, int rank)
    {
        this.world = world;
        Rank = rank;
    }

    /// <inheritdoc />
    public int Rank { get; }
    /// <inheritdoc />
    public int Size => world.Size;
    /// <inheritdoc />
    public int LocalRank => Rank;
    /// <inheritdoc />
    public int LocalSize => world.Size;

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= Size) throw new ArgumentOutOfRangeException(nameof(root));
        using var result = world.Exchange(Rank, tensor, (all, _) => all[root]);
        using (torch.no_grad()) tensor.copy_(result);
    }

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor)
    {
        using var result = world.Exchange(Rank, tensor, (all, _) => Sum(all));
        using (torch.no_grad()) tensor.copy_(result);
    }

    /// <inheritdoc />
    public Tensor AllGather(Tensor tensor)
    {
        using var result = world.Exchange(Rank, tensor, (all, _) => torch.cat(all, 0));
        return result.to(tensor.device).clone();
    }

    /// <inheritdoc />
    public Tensor ReduceScatterSum(Tensor tensor)
    {
        if (tensor.shape[0] % Size != 0) throw new ArgumentException($"reduce-scatter needs a multiple of {Size} rows, got {tensor.shape[0]}");
        long n = tensor.shape[0] / Size;
        using var result = world.Exchange(Rank, tensor, (all, r) => Sum(all).narrow(0, r * n, n));
        return result.to(tensor.device).clone();
    }

    /// <inheritdoc />
    public void Barrier()
    {
        using var token = torch.zeros(1);
        using var _ = world.Exchange(Rank, token, (all, _) => all[0]);
    }

    /// <inheritdoc />
    public void Abort(int exitCode) => throw new OperationCanceledException($"simulated rank {Rank} aborted the job (exit code {exitCode})");

    /// <inheritdoc />
    public void Dispose() { }

    private static Tensor Sum(Tensor[] all)
    {
        var acc = all[0].clone();
        for (int r = 1; r < all.Length; r++) acc.add_(all[r]);
        return acc;
    }
}
