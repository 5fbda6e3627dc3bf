namespace ConVirt;

/// <summary>The zero-shot result for one image (<see cref="ConVirtEncoder.ZeroShot"/>).</summary>
/// <param name="PredictedClass">The class with the highest probability (the first such class on a tie).</param>
/// <param name="Probabilities">Class name to probability; they sum to 1.</param>
public sealed record ZeroShotPrediction(string PredictedClass, IReadOnlyDictionary<string, double> Probabilities);
