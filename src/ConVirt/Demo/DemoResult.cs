using ConVirt.Training;
namespace ConVirt.Demo;

/// <summary>What `convirt demo` measured.</summary>
/// <param name="Ks">Cut-offs.</param>
/// <param name="TextToImageBefore">Text-to-image precision@k at initialisation.</param>
/// <param name="TextToImageAfter">Text-to-image precision@k after pretraining (best checkpoint).</param>
/// <param name="ChanceLevel">Precision of a random ranking: mean share of candidates carrying a query's label.</param>
/// <param name="Training">How training ended.</param>
/// <param name="RunDirectory">The run folder.</param>
/// <param name="DataDirectory">The generated data.</param>
/// <param name="ZeroShotBefore">Zero-shot accuracy at initialisation: each test image classified among the query labels, the class descriptions as prompt ensembles.</param>
/// <param name="ZeroShotAfter">The same after pretraining.</param>
/// <param name="ZeroShotChance">Accuracy of a uniform guess (1 / classes).</param>
/// <param name="GroundingMaps">Grounding overlays written for a few abnormal test images (their class's description as phrase).</param>
internal sealed record DemoResult(int[] Ks, double[] TextToImageBefore, double[] TextToImageAfter, double ChanceLevel, TrainingResult Training, string RunDirectory, string DataDirectory,
    double ZeroShotBefore, double ZeroShotAfter, double ZeroShotChance, IReadOnlyList<string> GroundingMaps);
