namespace ConVirt.Evaluation;

/// <summary>A sample mean with the bounds of a confidence interval around it.</summary>
/// <param name="Mean">Mean of the observed values.</param>
/// <param name="Low">Lower bound of the interval.</param>
/// <param name="High">Upper bound of the interval.</param>
internal readonly record struct MeanInterval(double Mean, double Low, double High);
