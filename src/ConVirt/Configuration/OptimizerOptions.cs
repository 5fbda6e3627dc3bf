namespace ConVirt.Configuration;

/// <summary>Adam, the plateau schedule and early stopping.</summary>
internal sealed record OptimizerOptions
{
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-4;
    /// <summary>Decoupled weight decay on weights (not on biases and norms).</summary>
    public double WeightDecay { get; init; } = 1e-6;
    /// <summary>Pairs per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Pairs per forward chunk when gradient caching; null or >= BatchSize means one pass.</summary>
    public int? MicroBatch { get; init; }
    /// <summary>Upper bound on epochs (early stopping usually ends sooner).</summary>
    public int Epochs { get; init; } = 100;
    /// <summary>Halve the learning rate after this many epochs without a better validation loss.</summary>
    public int PlateauPatience { get; init; } = 5;
    /// <summary>Factor applied to the learning rate on a plateau.</summary>
    public double PlateauFactor { get; init; } = 0.5;
    /// <summary>Stop after this many epochs without a better validation loss.</summary>
    public int EarlyStoppingPatience { get; init; } = 10;
    /// <summary>Clip the global gradient norm to this value; null = no clipping.</summary>
    public double? GradientClipNorm { get; init; }
}
