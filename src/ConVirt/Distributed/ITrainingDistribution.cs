using ConVirt.Losses;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Distributed;

/// <summary>
/// How the one training loop (<see cref="Pretrainer"/>) spreads a step over processes: a single process
/// (<see cref="SingleProcessTraining"/>) or data-parallel ranks (<see cref="DataParallelTraining"/>). The loop asks it
/// for its batches, hands it each step's backward pass, and writes files only where <see cref="IsWriter"/> is set.
/// </summary>
public interface ITrainingDistribution : IDisposable
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

    /// <summary>Fills the trainable parameters' .grad with the gradient of the global batch's loss and returns that loss.</summary>
    ContrastiveLossOutput Backward(IPretrainingObjective objective, PairBatch batch, torch.Device device, int? microBatch, long seed);

    /// <summary>Rank 0's <paramref name="value"/>, on every rank (decisions such as the learning-rate schedule).</summary>
    double Agree(double value);
}
