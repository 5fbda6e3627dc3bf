using ConVirt.Configuration;
using ConVirt.Interop;

namespace ConVirt.Training;

/// <summary>SimCLR (image-only baseline): two augmented views per image, NT-Xent over the 2N views.</summary>
internal sealed class SimClrMethod : IPretrainingMethod
{
    /// <inheritdoc />
    public string Name => "simclr";

    /// <inheritdoc />
    public string Description => "images only, two views, NT-Xent (baseline)";

    /// <inheritdoc />
    public bool NeedsText => false;

    /// <inheritdoc />
    public int Views => 2;

    /// <inheritdoc />
    public bool AugmentValidation => true;

    /// <inheritdoc />
    public ConVirtConfig WithDefaults(ConVirtConfig config) => config;

    /// <inheritdoc />
    public PretrainingModel Create(ConVirtConfig config, string? vocabulary = null)
    {
        var (encoder, note) = ModelFactory.BuildImageEncoder(config.Model.Image);
        var model = new SimClrModel(encoder, config.Model.ProjectionHidden, config.Model.ProjectionDim);
        return new PretrainingModel(new SimClrObjective(model, config.Loss.Temperature), null, config, [note]);
    }
}
