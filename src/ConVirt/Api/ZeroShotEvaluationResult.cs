namespace ConVirt;

/// <summary>What <see cref="ConVirtEvaluation.ZeroShot"/> measured (as <c>zeroshot.json</c> holds it). Intervals: 95 % bootstrap
/// over images, resampling patients where rows name one. The classes-mode members are null in pairs mode and the
/// pairs-mode members null in classes mode.</summary>
/// <param name="Encoder">The encoder evaluated.</param>
/// <param name="Mode">Classes or pairs.</param>
/// <param name="Label">Classes: the label key; pairs: the findings evaluated, comma-separated.</param>
/// <param name="PromptsFile">The prompts file.</param>
/// <param name="PromptCounts">Prompts per prompt label (class, or <c>F:positive</c> / <c>F:negative</c>).</param>
/// <param name="Data">The images scored.</param>
/// <param name="Temperature">τ of the softmax (the run's contrastive temperature).</param>
/// <param name="SkippedRows">Rows without a usable label: no prompt class for the value (classes), or no 0/1 value for any finding (pairs), or a null label.</param>
/// <param name="Classes">Classes mode: the classes, in the prompts' order (the order of <paramref name="Confusion"/>).</param>
/// <param name="Accuracy">Classes mode: accuracy of the most probable class.</param>
/// <param name="BalancedAccuracy">Classes mode: mean per-class recall.</param>
/// <param name="MacroAuc">Classes mode: macro one-vs-rest ROC AUC.</param>
/// <param name="Confusion">Classes mode: counts, [actual class][predicted class].</param>
/// <param name="Findings">Pairs mode: per finding, its images and AUC.</param>
/// <param name="MeanAuc">Pairs mode: the mean AUC over findings (its interval from resampling patients once for every finding).</param>
/// <param name="ImageSize">Side of the evaluation view.</param>
/// <param name="Markdown">The markdown section <c>convirt evaluate zeroshot</c> prints and writes to <c>zeroshot.md</c>.</param>
public sealed record ZeroShotEvaluationResult(EvaluatedEncoder Encoder, ZeroShotEvaluationMode Mode, string Label, string PromptsFile,
    IReadOnlyDictionary<string, int> PromptCounts, EvaluationDataSet Data, double Temperature, int SkippedRows,
    IReadOnlyList<string>? Classes, ScoreInterval? Accuracy, ScoreInterval? BalancedAccuracy, ScoreInterval? MacroAuc,
    IReadOnlyList<IReadOnlyList<int>>? Confusion, IReadOnlyDictionary<string, ZeroShotFindingScore>? Findings, ScoreInterval? MeanAuc,
    int ImageSize, string Markdown);

/// <summary>AUC of one binary finding in <see cref="ZeroShotEvaluationMode.Pairs"/> mode.</summary>
/// <param name="Positives">Images labelled 1.</param>
/// <param name="Negatives">Images labelled 0.</param>
/// <param name="Auc">ROC AUC of the positive prompt's probability, with its 95 % interval.</param>
public sealed record ZeroShotFindingScore(int Positives, int Negatives, ScoreInterval Auc);
