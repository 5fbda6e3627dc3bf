using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>One rank: every collective is the identity (a plain run without mpirun).</summary>
internal sealed class SingleProcessCollectives : ICollectives
{
    /// <summary>The one instance.</summary>
    public static SingleProcessCollectives Instance { get; } = new();

    /// <inheritdoc />
    public int Rank => 0;
    /// <inheritdoc />
    public int Size => 1;
    /// <inheritdoc />
    public int LocalRank => 0;
    /// <inheritdoc />
    public int LocalSize => 1;

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0) => CheckRoot(root);

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor) { }

    /// <inheritdoc />
    public Tensor AllGather(Tensor tensor) => tensor.clone();

    /// <inheritdoc />
    public Tensor ReduceScatterSum(Tensor tensor) => tensor.clone();

    /// <inheritdoc />
    public void Barrier() { }

    /// <inheritdoc />
    public void Abort(int exitCode) => Environment.Exit(exitCode);

    /// <inheritdoc />
    public void Dispose() { }

    private static void CheckRoot(int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "a single process has only rank 0");
    }
}
