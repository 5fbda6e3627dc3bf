using ConVirt.Configuration;
using ConVirt.Interop;
using ConVirt.Losses;

namespace ConVirt.Training;

/// <summary>ConVIRT: an image and one sentence of its report per pair, bidirectional InfoNCE (the paper's method).</summary>
internal sealed class ConVirtMethod : IPretrainingMethod
{
    /// <inheritdoc />
    public string Name => "convirt";

    /// <inheritdoc />
    public string Description => "image-text pairs, bidirectional contrastive loss (the paper)";

    /// <inheritdoc />
    public bool NeedsText => true;

    /// <inheritdoc />
    public int Views => 1;

    /// <inheritdoc />
    public bool AugmentValidation => false;

    /// <inheritdoc />
    public ConVirtConfig WithDefaults(ConVirtConfig config) => config;

    /// <inheritdoc />
    public PretrainingModel Create(ConVirtConfig config, string? vocabulary = null)
    {
        var built = ModelFactory.Build(config.Model, vocabulary);
        // the text encoder's size comes from its weights when they have one: record what was built
        var resolved = config with { Model = config.Model with { Text = config.Model.Text with { Bert = built.Model.TextEncoder.Spec } } };
        return new PretrainingModel(new ConVirtObjective(built.Model, new ConVirtLoss(config.Loss.Temperature, config.Loss.Lambda)), built.Tokenizer, resolved, built.Notes);
    }
}
