namespace ConVirt.Evaluation;

/// <summary>A t-SNE embedding and how well it fits.</summary>
/// <param name="Embedding">[n, 2] coordinates.</param>
/// <param name="KlDivergence">KL(P ‖ Q) after the last iteration (with the un-exaggerated P).</param>
/// <param name="KlHistory">(iteration, KL(P ‖ Q)) every <see cref="TsneOptions.KlEvery"/> iterations and after the last;
/// iteration counts from 1.</param>
internal sealed record TsneResult(float[,] Embedding, double KlDivergence, IReadOnlyList<(int Iteration, double Kl)> KlHistory);
