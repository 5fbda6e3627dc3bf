using ConVirt.Data.Pipeline;
using TorchSharp;

namespace ConVirt.Distributed;

/// <summary>
/// How the one training loop spreads its steps over processes: a single process (<see cref="SingleProcessTraining"/>,
/// a world of one rank) or data-parallel ranks (<see cref="DataParallelTraining"/>). The loop asks it for its batches
/// and for the global view of each (<see cref="Prepare"/>), computes the step the same way for both, and lets it sum
/// the gradients and agree on buffers; only the <see cref="IsWriter"/> process writes files.
/// </summary>
internal interface ITrainingDistribution : IDisposable
{
    /// <summary>The job's collectives.</summary>
    ICollectives Collectives { get; }

    /// <summary>This process writes checkpoints, metrics, TensorBoard events and progress (rank 0).</summary>
    bool IsWriter { get; }

    /// <summary>Seconds spent inside collectives since the start (waiting for other ranks included).</summary>
    double CommunicationSeconds { get; }

    /// <summary>The batches this process trains on: the whole batches, or this rank's slice of each.</summary>
    IBatchSource Batches(IBatchSource source);

    /// <summary>Makes every rank start from rank 0's parameters and buffers (after a checkpoint was loaded, if any).</summary>
    void Start(torch.nn.Module module);

    /// <summary>This process's part of a batch as the step computes it (a slice's tokens padded as the whole batch is) and where it sits in the global batch.</summary>
    (PairBatch Local, GlobalNegatives Negatives) Prepare(PairBatch batch);

    /// <summary>Sums the parameters' gradients over ranks, so that every rank takes the same optimiser step.</summary>
    void ReduceGradients();

    /// <summary>Averages batch-norm running statistics over ranks (before validation and checkpoints), so that eval-mode embeddings reflect every rank's batches.</summary>
    void AverageRunningStatistics(torch.nn.Module module);

    /// <summary>Rank 0's <paramref name="value"/>, on every rank (decisions such as the learning-rate schedule).</summary>
    double Agree(double value);
}
