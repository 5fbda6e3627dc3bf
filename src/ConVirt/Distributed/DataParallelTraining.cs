using ConVirt.Data.Pipeline;
using TorchSharp;

namespace ConVirt.Distributed;

/// <summary>
/// Data-parallel training over the ranks of <see cref="Collectives"/>: rank 0's parameters and buffers broadcast at the
/// start; each rank trains on its slice of every global batch (<see cref="SlicedBatchSource"/>); the loss is taken over
/// the global batch (<see cref="GlobalNegatives"/>); parameter gradients are summed over ranks
/// (<see cref="GradientAllReduce"/>), so that every rank takes the same optimiser step. Batch norm sees each rank's own
/// slice, as the gradient-caching path computes each micro-batch: N ranks at batch B train as one process at batch B
/// with micro-batches of B/N. Batch-norm running statistics are averaged over ranks before validation and checkpoints.
/// </summary>
internal sealed class DataParallelTraining : ITrainingDistribution
{
    private readonly TimedCollectives timed;
    private GradientAllReduce? reducer;

    /// <summary>Training over <paramref name="collectives"/> (two ranks or more).</summary>
    public DataParallelTraining(ICollectives collectives)
    {
        if (collectives.Size < 2) throw new ArgumentException("data-parallel training needs at least 2 ranks; one process trains with SingleProcessTraining", nameof(collectives));
        timed = new TimedCollectives(collectives);
    }

    /// <summary>The distribution for a job: <see cref="SingleProcessTraining"/> for one rank, this class for more.</summary>
    public static ITrainingDistribution For(ICollectives collectives) =>
        collectives.Size == 1 ? SingleProcessTraining.Instance : new DataParallelTraining(collectives);

    /// <inheritdoc />
    public ICollectives Collectives => timed;

    /// <inheritdoc />
    public bool IsWriter => timed.Rank == 0;

    /// <inheritdoc />
    public double CommunicationSeconds => timed.Seconds;

    /// <summary>Elements of the gradient all-reduce per step and its bucket count (after <see cref="Start"/>).</summary>
    public (long Elements, int Buckets) GradientTraffic => reducer is null ? (0, 0) : (reducer.Elements, reducer.Buckets);

    /// <inheritdoc />
    public IBatchSource Batches(IBatchSource source) => new SlicedBatchSource(source, timed.Rank, timed.Size);

    /// <inheritdoc />
    public void Start(torch.nn.Module module)
    {
        using (torch.no_grad())
        {
            foreach (var (_, p) in module.named_parameters()) timed.Broadcast(p);
            foreach (var (_, b) in module.named_buffers()) timed.Broadcast(b);
        }
        reducer?.Dispose();
        reducer = new GradientAllReduce(timed, module.parameters().Where(p => p.requires_grad));
    }

    /// <inheritdoc />
    public (PairBatch Local, GlobalNegatives Negatives) Prepare(PairBatch batch)
    {
        var slice = batch.Slice ?? throw new ArgumentException("data-parallel training needs this rank's slice of the batch (SlicedBatchSource)", nameof(batch));
        return (WithGlobalPadding(batch), new GlobalNegatives(timed, slice));
    }

    /// <inheritdoc />
    public void ReduceGradients() => (reducer ?? throw new InvalidOperationException("Start was not called")).Run();

    /// <inheritdoc />
    public void AverageRunningStatistics(torch.nn.Module module)
    {
        using var _ = torch.no_grad();
        foreach (var (name, buffer) in module.named_buffers())
        {
            if (!(name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("running_var", StringComparison.Ordinal))) continue;
            timed.AllReduceSum(buffer);
            buffer.div_(timed.Size);
        }
    }

    /// <summary>The slice's tokens padded to the longest row of the global batch, as a single process pads the whole batch.</summary>
    private PairBatch WithGlobalPadding(PairBatch batch)
    {
        if (batch.Tokens is not { } tokens) return batch;
        using var length = torch.tensor(new[] { (float)tokens.Length });
        using var lengths = timed.AllGather(length);
        int longest = (int)lengths.max().ToSingle();
        return longest == tokens.Length ? batch : batch with { Tokens = tokens.PadTo(longest) };
    }

    /// <inheritdoc />
    public double Agree(double value)
    {
        using var t = torch.tensor(new[] { value });
        timed.Broadcast(t);
        return t.ToDouble();
    }

    /// <inheritdoc />
    public void Dispose() => reducer?.Dispose();
}
