using ConVirt.Data.Augmentation;

namespace ConVirt.Configuration;

/// <summary>The data path.</summary>
internal sealed record DataOptions
{
    /// <summary>The image augmentation t_v of training views (its OutputSize is replaced by <see cref="ImageSize"/>).</summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.Paper;
    /// <summary>Side of the square image the encoder sees.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Batches prepared ahead of the training step (bounded memory).</summary>
    public int Prefetch { get; init; } = 4;
    /// <summary>Background threads decoding and augmenting.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Decoded images kept in memory (0 = none): small sets decode once.</summary>
    public int DecodeCacheImages { get; init; } = 4096;
    /// <summary>Rows held by the shuffle buffer when streaming a prepared dataset (bounded memory; larger mixes shards more).</summary>
    public int ShuffleBuffer { get; init; } = 1000;
}
