namespace ConVirt.Evaluation;

/// <summary>How a <see cref="LogisticRegressionProbe"/> is fitted.</summary>
/// <param name="L2Grid">Candidate L2 strengths λ in the objective mean log-loss + λ/2·‖W‖² (bias not penalised;
/// λ = 1 / (C·n) for scikit-learn's C). Null: <see cref="DefaultL2Grid"/>. With one value no validation split is made.</param>
/// <param name="ValidationFraction">Share of the training examples held out (stratified, seeded) to choose λ by
/// validation log-loss; the final head is then refitted on all examples.</param>
/// <param name="Seed">Seed of the validation split.</param>
/// <param name="MaxIterations">L-BFGS iterations per fit.</param>
/// <param name="GradientTolerance">Stop when the largest absolute gradient entry of the mean objective is below this. (scikit-learn's
/// lbfgs applies its <c>tol</c> 1e-4 to the summed objective, i.e. 1e-4 / n here.) Against the previous default 1e-8, 1e-5
/// moved the MedPix probes' test probabilities by at most 6e-4 and their AUC and accuracy by less than 1e-3, in half the
/// iterations (docs/benchmarks.md section 11).</param>
/// <param name="LossTolerance">Also stop when an accepted step lowers the objective by less than this times max(|loss|, 1)
/// (2.2e-9: scipy's L-BFGS-B default, which scikit-learn's lbfgs keeps; smaller is stricter).</param>
/// <param name="HistorySize">L-BFGS curvature pairs kept.</param>
internal sealed record LogisticRegressionProbeOptions(
    IReadOnlyList<double>? L2Grid = null,
    double ValidationFraction = 0.2,
    int Seed = 0,
    int MaxIterations = 300,
    double GradientTolerance = 1e-5,
    int HistorySize = 10,
    double LossTolerance = 2.2e-9)
{
    /// <summary>λ ∈ {1e-4, 1e-3, 1e-2, 1e-1, 1, 10}.</summary>
    public static IReadOnlyList<double> DefaultL2Grid { get; } = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

    /// <summary>The grid in use: <see cref="L2Grid"/> or the default.</summary>
    public IReadOnlyList<double> ResolvedL2Grid => L2Grid ?? DefaultL2Grid;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        var grid = ResolvedL2Grid;
        if (grid.Count == 0) throw new ArgumentException("L2Grid is empty.", nameof(L2Grid));
        foreach (var l2 in grid)
            if (!(l2 >= 0) || double.IsInfinity(l2)) throw new ArgumentException($"L2Grid holds {l2}; strengths must be finite and >= 0.", nameof(L2Grid));
        if (!(ValidationFraction > 0 && ValidationFraction < 1))
            throw new ArgumentException($"ValidationFraction is {ValidationFraction}; it must be in (0, 1).", nameof(ValidationFraction));
        if (MaxIterations < 1) throw new ArgumentException($"MaxIterations is {MaxIterations}; it must be at least 1.", nameof(MaxIterations));
        if (!(GradientTolerance > 0)) throw new ArgumentException($"GradientTolerance is {GradientTolerance}; it must be positive.", nameof(GradientTolerance));
        if (!(LossTolerance >= 0)) throw new ArgumentException($"LossTolerance is {LossTolerance}; it must be >= 0.", nameof(LossTolerance));
        if (HistorySize < 1) throw new ArgumentException($"HistorySize is {HistorySize}; it must be at least 1.", nameof(HistorySize));
    }
}
