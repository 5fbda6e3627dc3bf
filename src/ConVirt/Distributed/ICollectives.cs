using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over the ranks of one job. Every rank calls each
/// operation in the same order with tensors of the same shape and type (MPI's contract). Tensors may live on any
/// device: an implementation that moves data through host memory stages them there and copies the result back.
/// </summary>
internal interface ICollectives : IDisposable
{
    /// <summary>This process's rank, 0 ≤ rank &lt; <see cref="Size"/>.</summary>
    int Rank { get; }

    /// <summary>Number of ranks in the job.</summary>
    int Size { get; }

    /// <summary>Rank among the ranks on this machine (selects the GPU: <c>cuda:{LocalRank}</c>).</summary>
    int LocalRank { get; }

    /// <summary>Ranks on this machine.</summary>
    int LocalSize { get; }

    /// <summary>Overwrites <paramref name="tensor"/> on every rank with root's values (any dtype; moved as bytes).</summary>
    void Broadcast(Tensor tensor, int root = 0);

    /// <summary>Replaces <paramref name="tensor"/> (float32 or float64) on every rank by the element-wise sum over ranks.</summary>
    void AllReduceSum(Tensor tensor);

    /// <summary>Concatenates every rank's <paramref name="tensor"/> ([n, ...], the same shape on every rank) along dim 0 in rank order.</summary>
    Tensor AllGather(Tensor tensor);

    /// <summary>
    /// Sums <paramref name="tensor"/> ([Size·n, ...], float32 or float64) over ranks and returns this rank's block of n rows
    /// (rows Rank·n ... Rank·n + n - 1).
    /// </summary>
    Tensor ReduceScatterSum(Tensor tensor);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends the whole job at once (a rank that failed mid-step, so that the others do not wait forever).</summary>
    void Abort(int exitCode);
}
