using ConVirt.Configuration;
using ConVirt.Data.Text;

namespace ConVirt.Training;

/// <summary>
/// A pretraining method (ConVIRT, SimCLR, MoCo v2, ...): what it needs from the data, the model and loss it trains, its
/// defaults, and (through its objective) which encoder a checkpoint hands to evaluation. One class per method,
/// registered by name in <see cref="PretrainingMethods"/>; nothing else in the code compares method names.
/// </summary>
internal interface IPretrainingMethod
{
    /// <summary>The name <c>--method</c> and a run's config.json use (lower case).</summary>
    string Name { get; }

    /// <summary>One line for help texts.</summary>
    string Description { get; }

    /// <summary>Every row must carry report text (the text is trained on).</summary>
    bool NeedsText { get; }

    /// <summary>Image views per row in a batch: 1, or 2 for two-view methods.</summary>
    int Views { get; }

    /// <summary>Validation batches get the training augmentation (two-view methods compare two augmented views) instead of the evaluation transform.</summary>
    bool AugmentValidation { get; }

    /// <summary>The method's own defaults, applied when the method is chosen on the command line (e.g. MoCo v2's τ = 0.2).</summary>
    ConVirtConfig WithDefaults(ConVirtConfig config);

    /// <summary>
    /// The model and objective as configured, with the initial weights the configuration names (<c>none</c> = random);
    /// <paramref name="vocabulary"/> overrides the text tower's vocabulary (loading a checkpoint).
    /// </summary>
    PretrainingModel Create(ConVirtConfig config, string? vocabulary = null);
}

/// <summary>What a method builds: the objective, the tokenizer of its text tower, the configuration as built, and notes for the log.</summary>
/// <param name="Objective">The trained module and its loss.</param>
/// <param name="Tokenizer">Tokenizer of the text tower, or null for image-only methods.</param>
/// <param name="Config">The configuration with what the weights decided (e.g. the text encoder's size).</param>
/// <param name="Notes">What was loaded from where.</param>
internal sealed record PretrainingModel(IPretrainingObjective Objective, WordPieceTokenizer? Tokenizer, ConVirtConfig Config, IReadOnlyList<string> Notes);
