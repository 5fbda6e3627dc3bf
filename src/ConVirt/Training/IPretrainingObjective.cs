using ConVirt.Losses;
using TorchSharp;

namespace ConVirt.Training;

/// <summary>A pretraining method: the module it trains and the loss of a batch (ConVIRT, SimCLR, MoCo v2).</summary>
public interface IPretrainingObjective
{
    /// <summary>Everything that is trained and checkpointed.</summary>
    torch.nn.Module Module { get; }

    /// <summary>Forward pass and loss of one batch on <paramref name="device"/> (train or eval mode as set on the module).</summary>
    ContrastiveLossOutput Loss(PairBatch batch, torch.Device device);

    /// <summary>Called after each optimiser step (momentum encoders, queues); under no_grad.</summary>
    void AfterStep(PairBatch batch);
}
