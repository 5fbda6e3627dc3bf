using ConVirt.Data.Pipeline;
using TorchSharp;

namespace ConVirt.Distributed;

/// <summary>Training in one process: a world of one rank holding whole batches; no communication.</summary>
internal sealed class SingleProcessTraining : ITrainingDistribution
{
    /// <summary>The one instance.</summary>
    public static SingleProcessTraining Instance { get; } = new();

    /// <inheritdoc />
    public ICollectives Collectives => SingleProcessCollectives.Instance;

    /// <inheritdoc />
    public bool IsWriter => true;

    /// <inheritdoc />
    public double CommunicationSeconds => 0;

    /// <inheritdoc />
    public IBatchSource Batches(IBatchSource source) => source;

    /// <inheritdoc />
    public void Start(torch.nn.Module module) { }

    /// <inheritdoc />
    public (PairBatch Local, GlobalNegatives Negatives) Prepare(PairBatch batch) => (batch, GlobalNegatives.SingleProcess(batch.Count));

    /// <inheritdoc />
    public void ReduceGradients() { }

    /// <inheritdoc />
    public void AverageRunningStatistics(torch.nn.Module module) { }

    /// <inheritdoc />
    public double Agree(double value) => value;

    /// <inheritdoc />
    public void Dispose() { }
}
