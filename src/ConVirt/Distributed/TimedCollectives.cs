using System.Diagnostics;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>Collectives that add up the wall-clock time spent inside them (host staging and waiting for slower ranks included).</summary>
internal sealed class TimedCollectives(ICollectives inner) : ICollectives
{
    private readonly Stopwatch watch = new();

    /// <summary>Seconds spent inside collectives so far.</summary>
    public double Seconds => watch.Elapsed.TotalSeconds;

    /// <inheritdoc />
    public int Rank => inner.Rank;
    /// <inheritdoc />
    public int Size => inner.Size;
    /// <inheritdoc />
    public int LocalRank => inner.LocalRank;
    /// <inheritdoc />
    public int LocalSize => inner.LocalSize;

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0) => Time(() => inner.Broadcast(tensor, root));
    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor) => Time(() => inner.AllReduceSum(tensor));
    /// <inheritdoc />
    public Tensor AllGather(Tensor tensor) => Time(() => inner.AllGather(tensor));
    /// <inheritdoc />
    public Tensor ReduceScatterSum(Tensor tensor) => Time(() => inner.ReduceScatterSum(tensor));
    /// <inheritdoc />
    public void Barrier() => Time(inner.Barrier);
    /// <inheritdoc />
    public void Abort(int exitCode) => inner.Abort(exitCode);
    /// <inheritdoc />
    public void Dispose() { }   // the inner collectives belong to whoever created them

    private void Time(Action action) => Time(() => { action(); return 0; });

    private T Time<T>(Func<T> action)
    {
        watch.Start();
        try { return action(); }
        finally { watch.Stop(); }
    }
}
