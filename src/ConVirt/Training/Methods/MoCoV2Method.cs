using ConVirt.Configuration;
using ConVirt.Interop;

namespace ConVirt.Training;

/// <summary>MoCo v2 (image-only baseline): a momentum key encoder and a queue of negatives; τ = 0.2 by default.</summary>
internal sealed class MoCoV2Method : IPretrainingMethod
{
    /// <summary>MoCo v2's temperature (He et al. / Chen et al.), the default when the method is chosen.</summary>
    public const double Temperature = 0.2;

    /// <inheritdoc />
    public string Name => "mocov2";

    /// <inheritdoc />
    public string Description => "images only, momentum encoder and queue, InfoNCE (baseline)";

    /// <inheritdoc />
    public bool NeedsText => false;

    /// <inheritdoc />
    public int Views => 2;

    /// <inheritdoc />
    public bool AugmentValidation => true;

    /// <inheritdoc />
    public ConVirtConfig WithDefaults(ConVirtConfig config) => config with { Loss = config.Loss with { Temperature = Temperature } };

    /// <inheritdoc />
    public PretrainingModel Create(ConVirtConfig config, string? vocabulary = null)
    {
        var (encoder, note) = ModelFactory.BuildImageEncoder(config.Model.Image);
        var model = new MoCoModel(encoder, config.Model.ProjectionHidden, config.Model.ProjectionDim, config.Loss.QueueSize, config.Loss.Momentum, config.Seed);
        return new PretrainingModel(new MoCoObjective(model, config.Loss.Temperature), null, config, [note]);
    }
}
