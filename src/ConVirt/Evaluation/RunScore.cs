namespace ConVirt.Evaluation;

/// <summary>One run of a label-efficiency protocol at one label fraction.</summary>
/// <param name="Run">Run number from 0.</param>
/// <param name="Seed">Seed of the label subset (and of the probe's validation split or the fine-tuning order).</param>
/// <param name="TrainCount">Labelled training examples used.</param>
/// <param name="Auc">Test AUC (see <see cref="TaskScores"/>).</param>
/// <param name="Accuracy">Test accuracy.</param>
/// <param name="BalancedAccuracy">Test balanced accuracy.</param>
/// <param name="L2">Linear probe: chosen L2 strength; null for fine-tuning.</param>
/// <param name="Epochs">Fine-tuning: epochs trained (best epoch is <paramref name="BestEpoch"/>); null for the probe.</param>
/// <param name="BestEpoch">Fine-tuning: epoch (from 1) with the lowest validation loss, whose weights were tested.</param>
internal sealed record RunScore(int Run, int Seed, int TrainCount, double Auc, double Accuracy, double BalancedAccuracy,
    double? L2 = null, int? Epochs = null, int? BestEpoch = null);
