using ConVirt.Configuration;
using ConVirt.Models.Vision;

namespace ConVirt.Training;

/// <summary>Builds the image-only baselines over an image encoder.</summary>
public static class ImageOnlyObjectives
{
    /// <summary>SimCLR or MoCo v2 as configured (method, τ, queue, momentum, projection widths).</summary>
    public static IPretrainingObjective Create(ConVirtConfig config, ResNetEncoder encoder) => config.Method switch
    {
        "simclr" => new SimClrObjective(new SimClrModel(encoder, config.Model.ProjectionHidden, config.Model.ProjectionDim), config.Loss.Temperature),
        "mocov2" => new MoCoObjective(new MoCoModel(encoder, config.Model.ProjectionHidden, config.Model.ProjectionDim,
            config.Loss.QueueSize, config.Loss.Momentum, config.Seed), config.Loss.Temperature),
        _ => throw new ArgumentException($"'{config.Method}' is not an image-only method"),
    };
}
