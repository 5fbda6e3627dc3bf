using ConVirt.Losses;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Distributed;

/// <summary>Training in one process: whole batches, gradient caching when a micro-batch is set (ConVIRT), no communication.</summary>
public sealed class SingleProcessTraining : ITrainingDistribution
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
    public ContrastiveLossOutput Backward(IPretrainingObjective objective, PairBatch batch, torch.Device device, int? microBatch, long seed)
    {
        if (microBatch is { } micro && micro < batch.Count && objective is ConVirtObjective cached)
            return cached.BackwardCached(batch, device, micro, seed);
        var loss = objective.Loss(batch, device);
        loss.Total.backward();
        return loss;
    }

    /// <inheritdoc />
    public double Agree(double value) => value;

    /// <inheritdoc />
    public void Dispose() { }
}
