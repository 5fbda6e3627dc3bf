using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>
/// N ranks inside one process, for tests of the distributed step without MPI: each rank runs on its own thread, but
/// only one at a time (the turn passes to the next rank at every collective, and the last rank to arrive combines the
/// contributions), so code that seeds the global generator before a forward pass sees the same random numbers as in
/// separate processes. Collectives have MPI's semantics; sums are taken in rank order, the same on every rank.
/// </summary>
internal sealed class SimulatedWorld
{
    private readonly object gate = new();
    private readonly int size;
    private readonly Tensor?[] inputs;
    private readonly Tensor?[] results;
    private readonly bool[] finished;
    private int turn;
    private Exception? failure;

    private SimulatedWorld(int size)
    {
        this.size = size;
        inputs = new Tensor?[size];
        results = new Tensor?[size];
        finished = new bool[size];
    }

    /// <summary>Number of ranks.</summary>
    public int Size => size;

    /// <summary>
    /// Runs <paramref name="body"/> once per rank (rank 0 first) with that rank's collectives and returns when all
    /// have finished. An exception on any rank ends the others at their next collective and is rethrown.
    /// </summary>
    public static void Run(int size, Action<ICollectives> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var world = new SimulatedWorld(size);
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                world.WaitTurn(rank);
                body(new SimulatedCollectives(world, rank));
            }
            catch (Exception e)
            {
                errors[rank] = e;
                lock (world.gate) { world.failure ??= e; Monitor.PulseAll(world.gate); }
            }
            finally
            {
                lock (world.gate)
                {
                    world.finished[rank] = true;
                    world.PassTurn(rank);
                }
            }
        }, 16 << 20) { Name = $"simulated rank {rank}" }).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (world.failure is { } first) throw new InvalidOperationException($"a simulated rank failed: {first.Message}", first);
    }

    /// <summary>
    /// One collective: deposits this rank's contribution (copied to the host) and returns its share of the result,
    /// which <paramref name="combine"/> computes from all contributions (in rank order) on the last rank to arrive.
    /// </summary>
    internal Tensor Exchange(int rank, Tensor contribution, Func<Tensor[], int, Tensor> combine)
    {
        var mine = HostCopy(contribution);
        lock (gate)
        {
            inputs[rank] = mine;
            if (rank < size - 1) PassTurn(rank);
            else
            {
                var all = inputs.Select(t => t!).ToArray();
                using (torch.NewDisposeScope())
                {
                    for (int r = 0; r < size; r++)
                    {
                        var result = combine(all, r).contiguous().clone();
                        result.DetachFromDisposeScope();
                        results[r] = result;
                    }
                }
                foreach (var t in all) t.Dispose();
                Array.Clear(inputs);
                turn = 0;
                Monitor.PulseAll(gate);
            }
            WaitLocked(rank);
            var shared = results[rank]!;
            results[rank] = null;
            using (shared)
            {
                return shared.clone();   // created on this rank's thread, in its dispose scope
            }
        }
    }

    private static Tensor HostCopy(Tensor t)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var copy = t.detach().to(DeviceType.CPU).contiguous().clone();
        copy.DetachFromDisposeScope();
        return copy;
    }

    private void WaitTurn(int rank)
    {
        lock (gate) WaitLocked(rank);
    }

    private void WaitLocked(int rank)
    {
        while (turn != rank)
        {
            if (failure is not null) throw new OperationCanceledException("another simulated rank failed");
            if (!Monitor.Wait(gate, TimeSpan.FromMinutes(5))) throw new TimeoutException($"simulated rank {rank} waited 5 minutes for its turn: the ranks called different collectives");
        }
        if (failure is not null) throw new OperationCanceledException("another simulated rank failed");
    }

    private void PassTurn(int rank)
    {
        for (int k = 1; k <= size; k++)
        {
            int next = (rank + k) % size;
            if (!finished[next]) { turn = next; break; }
        }
        Monitor.PulseAll(gate);
    }
}
