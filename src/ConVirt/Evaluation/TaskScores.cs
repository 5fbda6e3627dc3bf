namespace ConVirt.Evaluation;

/// <summary>
/// The three scores of one classifier on one test set. Binary: ROC AUC of the positive class; multi-class:
/// macro one-vs-rest AUC; multi-label: macro AUC over labels, and accuracy / balanced accuracy averaged over
/// labels at threshold 0.5.
/// </summary>
/// <param name="Auc">ROC AUC as above (NaN when the test set has a single class).</param>
/// <param name="Accuracy">Share of correct predictions (arg-max class; multi-label: per label, averaged).</param>
/// <param name="BalancedAccuracy">Mean per-class recall (multi-label: per label, averaged).</param>
internal readonly record struct TaskScores(double Auc, double Accuracy, double BalancedAccuracy)
{
    /// <summary>Scores [n, outputs] <paramref name="probabilities"/> (class probabilities, or per-label probabilities).</summary>
    /// <param name="task">The task.</param>
    /// <param name="probabilities">[n, classes] or [n, labels].</param>
    /// <param name="classes">Class index per row (single-label tasks), else null.</param>
    /// <param name="targets">[n, labels] 0/1 targets (multi-label), else null.</param>
    public static TaskScores Compute(LabelTask task, float[,] probabilities, int[]? classes, int[,]? targets)
    {
        if (task.Kind == ProbeHeadKind.MultiLabel)
        {
            ArgumentNullException.ThrowIfNull(targets);
            int n = targets.GetLength(0), labels = targets.GetLength(1);
            double accuracy = 0, balanced = 0;
            var predicted = new int[n];
            var actual = new int[n];
            for (int l = 0; l < labels; l++)
            {
                for (int i = 0; i < n; i++)
                {
                    predicted[i] = probabilities[i, l] >= 0.5f ? 1 : 0;
                    actual[i] = targets[i, l];
                }
                accuracy += ClassificationMetrics.Accuracy(predicted, actual);
                balanced += ClassificationMetrics.BalancedAccuracy(predicted, actual);
            }
            return new TaskScores(ClassificationMetrics.MultiLabelMacroAuc(probabilities, targets), accuracy / labels, balanced / labels);
        }
        ArgumentNullException.ThrowIfNull(classes);
        var argMax = ClassificationMetrics.ArgMax(probabilities);
        double auc;
        if (task.Kind == ProbeHeadKind.Binary)
        {
            var positive = new float[classes.Length];
            for (int i = 0; i < positive.Length; i++) positive[i] = probabilities[i, 1];
            auc = ClassificationMetrics.RocAuc(positive, classes);
        }
        else auc = ClassificationMetrics.MacroAucOneVsRest(probabilities, classes, task.Classes.Count);
        return new TaskScores(auc, ClassificationMetrics.Accuracy(argMax, classes), ClassificationMetrics.BalancedAccuracy(argMax, classes));
    }
}
