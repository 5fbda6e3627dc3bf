namespace ConVirt.Evaluation;

/// <summary>Settings of exact t-SNE; defaults follow van der Maaten &amp; Hinton (2008) and scikit-learn.</summary>
/// <param name="Perplexity">Effective number of neighbours each point's Gaussian is calibrated to (log-perplexity = entropy in nats).</param>
/// <param name="Iterations">Total gradient-descent iterations, exaggeration phase included.</param>
/// <param name="EarlyExaggeration">Factor P is multiplied by during the first <see cref="ExaggerationIterations"/>.</param>
/// <param name="ExaggerationIterations">Length of the early-exaggeration phase; momentum switches at its end.</param>
/// <param name="LearningRate">Step size; null = "auto": max(n / EarlyExaggeration / 4, 50) (scikit-learn's rule).</param>
/// <param name="InitialMomentum">Momentum during early exaggeration.</param>
/// <param name="FinalMomentum">Momentum afterwards.</param>
/// <param name="MinGain">Lower bound of the per-coordinate adaptive gains.</param>
/// <param name="PerplexityTolerance">Allowed |row entropy - log(perplexity)| in the binary search.</param>
/// <param name="Seed">Seed of the initial embedding (N(0, 1e-4²) per coordinate).</param>
/// <param name="KlEvery">Record the KL divergence every this many iterations (and after the last).</param>
internal sealed record TsneOptions(
    double Perplexity = 30,
    int Iterations = 1000,
    double EarlyExaggeration = 12,
    int ExaggerationIterations = 250,
    double? LearningRate = null,
    double InitialMomentum = 0.5,
    double FinalMomentum = 0.8,
    double MinGain = 0.01,
    double PerplexityTolerance = 1e-5,
    int Seed = 0,
    int KlEvery = 50)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value for <paramref name="pointCount"/> points.</summary>
    public void Validate(int pointCount)
    {
        if (pointCount < 2) throw new ArgumentException($"t-SNE needs at least 2 points; got {pointCount}.", nameof(pointCount));
        if (!(Perplexity > 1 && Perplexity < pointCount))
            throw new ArgumentException($"Perplexity is {Perplexity}; it must be in (1, {pointCount}) for {pointCount} points.", nameof(Perplexity));
        if (Iterations < 1) throw new ArgumentException($"Iterations is {Iterations}; it must be at least 1.", nameof(Iterations));
        if (!(EarlyExaggeration >= 1)) throw new ArgumentException($"EarlyExaggeration is {EarlyExaggeration}; it must be at least 1.", nameof(EarlyExaggeration));
        if (ExaggerationIterations < 0) throw new ArgumentException($"ExaggerationIterations is {ExaggerationIterations}; it must be >= 0.", nameof(ExaggerationIterations));
        if (LearningRate is { } rate && !(rate > 0)) throw new ArgumentException($"LearningRate is {rate}; it must be positive.", nameof(LearningRate));
        if (!(MinGain > 0)) throw new ArgumentException($"MinGain is {MinGain}; it must be positive.", nameof(MinGain));
        if (!(PerplexityTolerance > 0)) throw new ArgumentException($"PerplexityTolerance is {PerplexityTolerance}; it must be positive.", nameof(PerplexityTolerance));
        if (KlEvery < 1) throw new ArgumentException($"KlEvery is {KlEvery}; it must be at least 1.", nameof(KlEvery));
    }

    /// <summary>The learning rate used for <paramref name="pointCount"/> points.</summary>
    public double ResolvedLearningRate(int pointCount) => LearningRate ?? Math.Max(pointCount / EarlyExaggeration / 4, 50);
}
