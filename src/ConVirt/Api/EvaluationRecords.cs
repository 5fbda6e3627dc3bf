namespace ConVirt;

/// <summary>A score with the bounds of its 95 % confidence interval (what each evaluation resamples is said where it is returned).</summary>
/// <param name="Mean">The score (a mean over runs, queries or images); NaN when it could not be computed (for example an AUC on a single class).</param>
/// <param name="Low">Lower bound of the 95 % interval.</param>
/// <param name="High">Upper bound of the 95 % interval.</param>
public readonly record struct ScoreInterval(double Mean, double Low, double High);

/// <summary>Which rows of a manifest an evaluation used.</summary>
/// <param name="Manifest">The manifest as given.</param>
/// <param name="Split">The split used, or null when every row was used (no split asked, or the rows carry none).</param>
/// <param name="Rows">Rows evaluated (label present, image readable).</param>
/// <param name="NullLabelRows">Rows skipped because the label was null or missing.</param>
/// <param name="UnreadableImages">Rows skipped because their image could not be decoded.</param>
public sealed record EvaluationDataSet(string Manifest, string? Split, int Rows, int NullLabelRows, int UnreadableImages);

/// <summary>The encoder an evaluation measured.</summary>
/// <param name="Source">What was loaded (the options' <c>Encoder</c>: a run folder, a checkpoint, <c>imagenet</c> or <c>random</c>).</param>
/// <param name="DisplayName">A short name for tables: the run folder's name (with <c>/best</c> or the checkpoint) or the baseline name.</param>
/// <param name="Method">The method that trained it, or null for the <c>imagenet</c> and <c>random</c> baselines (and a method this API does not list).</param>
/// <param name="Architecture">The image encoder's architecture (<c>resnet18</c>, <c>resnet50</c>).</param>
/// <param name="ImageWeights">The initial image weights its configuration names (<c>imagenet</c>, <c>none</c> or a file).</param>
public sealed record EvaluatedEncoder(string Source, string DisplayName, PretrainingMethod? Method, string Architecture, string ImageWeights);

/// <summary>What a classification evaluation predicts, as inferred from the label values.</summary>
public enum LabelTaskKind
{
    /// <summary>One label key with two values; the second in ordinal order is the positive class of the AUC.</summary>
    Binary,
    /// <summary>One label key with more than two values; AUC is the macro one-vs-rest AUC.</summary>
    MultiClass,
    /// <summary>Several 0/1 label keys; AUC, accuracy and balanced accuracy are averaged over the keys (threshold 0.5).</summary>
    MultiLabel,
}

/// <summary>What the 95 % interval of a label-fraction score resamples.</summary>
public enum ScoreIntervalSource
{
    /// <summary>The runs: a percentile bootstrap of the mean over runs (each run trains on another labelled subset).</summary>
    Runs,
    /// <summary>The test set: resamples of the test rows, each scored as the mean over runs (at 100 % labels, where every run trains on the same rows).</summary>
    TestSet,
}
