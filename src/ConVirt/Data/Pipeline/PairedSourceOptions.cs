using ConVirt.Data.Augmentation;

namespace ConVirt.Data.Pipeline;

/// <summary>How a <see cref="PairedBatchSource"/> builds batches.</summary>
internal sealed record PairedSourceOptions
{
    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Side of the output images.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Random augmentation (training); null = the deterministic evaluation transform.</summary>
    public AugmentationOptions? Augmentation { get; init; }
    /// <summary>Shuffle the order each epoch (training) or keep manifest order (evaluation).</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>1 view per example (ConVIRT) or 2 (SimCLR, MoCo).</summary>
    public int Views { get; init; } = 1;
    /// <summary>Tokenise one sampled sentence per example (needs a tokenizer and text).</summary>
    public bool WithText { get; init; } = true;
    /// <summary>Longest tokenised sentence.</summary>
    public int MaxTokens { get; init; } = 128;
    /// <summary>Seed of order, augmentation and sentence sampling.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>
    /// Smallest batch kept: 2 for contrastive training (a lone pair has no negative), 1 for feature
    /// extraction, where every row must be embedded.
    /// </summary>
    public int MinBatch { get; init; } = 2;
    /// <summary>Decoded images kept in memory.</summary>
    public int DecodeCacheImages { get; init; } = 4096;
    /// <summary>
    /// Threads that decode and transform one batch's images: 0 (default) = all cores for evaluation sources (no
    /// augmentation), which are read one batch after another while the model waits, and 1 for training sources,
    /// which a background worker builds while the step runs. The batch is the same whatever the number.
    /// </summary>
    public int BuildThreads { get; init; }
}
