namespace ConVirt;

/// <summary>What <see cref="ConVirtEvaluation.LinearProbe"/> measured: scores per label fraction (as <c>linear.json</c> holds them).</summary>
/// <param name="Encoder">The encoder evaluated.</param>
/// <param name="Label">The label key(s), comma-separated.</param>
/// <param name="TaskKind">Binary, multi-class or multi-label.</param>
/// <param name="Classes">The classes in ordinal order (binary: the second is the positive class), or the keys of a multi-label task.</param>
/// <param name="Train">The training rows used.</param>
/// <param name="Test">The test rows used.</param>
/// <param name="ImageSize">Side of the evaluation view.</param>
/// <param name="Seed">Base seed (run r uses seed + r).</param>
/// <param name="Fractions">Scores per label fraction, in the options' order.</param>
/// <param name="Settings">The protocol's settings as text (features, probe, L2 grid, its selection, runs).</param>
/// <param name="Markdown">The markdown section <c>convirt evaluate linear</c> prints and writes to <c>linear.md</c>.</param>
public sealed record LinearProbeResult(EvaluatedEncoder Encoder, string Label, LabelTaskKind TaskKind, IReadOnlyList<string> Classes,
    EvaluationDataSet Train, EvaluationDataSet Test, int ImageSize, int Seed, IReadOnlyList<LabelFractionScores> Fractions,
    IReadOnlyDictionary<string, string> Settings, string Markdown);

/// <summary>Test scores at one label fraction: the mean over runs with a 95 % percentile-bootstrap interval (NaN runs left out).</summary>
/// <param name="Fraction">Share of the training labels used, in (0, 1].</param>
/// <param name="TrainCount">Mean labelled training examples per run.</param>
/// <param name="Auc">ROC AUC (binary: of the positive class; multi-class: macro one-vs-rest; multi-label: macro over labels).</param>
/// <param name="Accuracy">Accuracy (arg-max class; multi-label: per label at 0.5, averaged).</param>
/// <param name="BalancedAccuracy">Mean per-class recall (multi-label: per label, averaged).</param>
/// <param name="IntervalSource">What the intervals resample: the runs, or (at 100 % labels) the test set.</param>
/// <param name="Runs">Every run.</param>
public sealed record LabelFractionScores(double Fraction, double TrainCount, ScoreInterval Auc, ScoreInterval Accuracy, ScoreInterval BalancedAccuracy,
    ScoreIntervalSource IntervalSource, IReadOnlyList<LinearProbeRun> Runs);

/// <summary>One probe at one label fraction.</summary>
/// <param name="Run">Run number from 0.</param>
/// <param name="Seed">Seed of the label subset and of the probe's validation split.</param>
/// <param name="TrainCount">Labelled training examples used.</param>
/// <param name="Auc">Test AUC (NaN when the test rows hold a single class).</param>
/// <param name="Accuracy">Test accuracy.</param>
/// <param name="BalancedAccuracy">Test balanced accuracy.</param>
/// <param name="L2">The L2 strength chosen on the run's validation split.</param>
public sealed record LinearProbeRun(int Run, int Seed, int TrainCount, double Auc, double Accuracy, double BalancedAccuracy, double L2);
