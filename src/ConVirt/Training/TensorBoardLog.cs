using TorchSharp;

namespace ConVirt.Training;

/// <summary>TensorBoard event files through TorchSharp's SummaryWriter (scalars only).</summary>
internal sealed class TensorBoardLog(string directory)
{
    private readonly TorchSharp.Modules.SummaryWriter writer = torch.utils.tensorboard.SummaryWriter(directory);

    /// <summary>Adds one scalar at a step.</summary>
    public void Scalar(string tag, double value, long step)
    {
        if (double.IsFinite(value)) writer.add_scalar(tag, (float)value, (int)Math.Min(step, int.MaxValue));
    }
}
