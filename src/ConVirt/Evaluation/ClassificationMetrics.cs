namespace ConVirt.Evaluation;

/// <summary>
/// Classification metrics as pure functions over managed arrays, defined as scikit-learn defines them:
/// ROC AUC with ties counting one half, one-vs-rest macro AUC, accuracy and balanced accuracy.
/// </summary>
internal static class ClassificationMetrics
{
    /// <summary>
    /// Area under the ROC curve of <paramref name="scores"/> for the binary <paramref name="labels01"/>
    /// (1 = positive): the Mann–Whitney probability that a random positive scores above a random negative,
    /// a tie counting one half. Computed from average ranks in O(n log n).
    /// </summary>
    /// <returns>The AUC in [0, 1], or <see cref="double.NaN"/> when either class is absent.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a label is not 0 or 1, or a score is NaN.</exception>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<int> labels01)
    {
        if (scores.Length != labels01.Length)
            throw new ArgumentException($"scores has {scores.Length} entries but labels01 has {labels01.Length}.", nameof(labels01));
        int n = scores.Length;
        long positives = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels01[i] is not (0 or 1))
                throw new ArgumentException($"labels01[{i}] is {labels01[i]}; binary labels must be 0 or 1.", nameof(labels01));
            if (double.IsNaN(scores[i]))
                throw new ArgumentException($"scores[{i}] is NaN.", nameof(scores));
            positives += labels01[i];
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;

        // Ranks 1..n by ascending score; a run of tied scores shares the average of its ranks.
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        double positiveRankSum = 0;
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && keys[end + 1] == keys[start]) end++;
            double averageRank = (start + end) / 2.0 + 1.0;
            for (int j = start; j <= end; j++)
                if (labels01[order[j]] == 1) positiveRankSum += averageRank;
            start = end + 1;
        }
        // U = (rank sum of positives) - P(P+1)/2 counts pairs (pos > neg) + 1/2 (pos == neg).
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double)positives * negatives);
    }

    /// <summary>Float overload of <see cref="RocAuc(ReadOnlySpan{double}, ReadOnlySpan{int})"/>.</summary>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels01)
    {
        var widened = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++) widened[i] = scores[i];
        return RocAuc(widened, labels01);
    }

    /// <summary>
    /// One-vs-rest macro AUC: for each class present in <paramref name="labels"/> (and absent from at least
    /// one example), the AUC of column c of <paramref name="probabilities"/> for "label == c", averaged
    /// over those classes. Equals scikit-learn's <c>roc_auc_score(multi_class='ovr', average='macro')</c>
    /// when every class occurs.
    /// </summary>
    /// <param name="probabilities">[n, classCount] scores (probabilities or any monotone scores per class).</param>
    /// <param name="labels">n class indices in [0, classCount).</param>
    /// <param name="classCount">Number of columns.</param>
    /// <returns>The macro AUC, or NaN when no class can be scored (fewer than two classes present).</returns>
    public static double MacroAucOneVsRest(float[,] probabilities, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        int n = labels.Length;
        if (probabilities.GetLength(0) != n || probabilities.GetLength(1) != classCount)
            throw new ArgumentException(
                $"probabilities is [{probabilities.GetLength(0)}, {probabilities.GetLength(1)}] but labels and classCount give [{n}, {classCount}].",
                nameof(probabilities));
        CheckClassIndices(labels, classCount, nameof(labels));
        var column = new double[n];
        var isClass = new int[n];
        double sum = 0;
        int scored = 0;
        for (int c = 0; c < classCount; c++)
        {
            for (int i = 0; i < n; i++)
            {
                column[i] = probabilities[i, c];
                isClass[i] = labels[i] == c ? 1 : 0;
            }
            double auc = RocAuc(column, isClass);
            if (double.IsNaN(auc)) continue;
            sum += auc;
            scored++;
        }
        return scored == 0 ? double.NaN : sum / scored;
    }

    /// <summary>
    /// Multi-label macro AUC: the AUC of each label column of <paramref name="scores"/> against the 0/1
    /// column of <paramref name="targets"/>, averaged over labels that have both positives and negatives
    /// (the paper's "mean AUC over findings"). scikit-learn's <c>roc_auc_score(average='macro')</c>
    /// instead raises when a label has one class.
    /// </summary>
    /// <param name="scores">[n, labelCount] scores.</param>
    /// <param name="targets">[n, labelCount] 0/1 targets.</param>
    /// <returns>The mean AUC, or NaN when no label has both classes.</returns>
    public static double MultiLabelMacroAuc(float[,] scores, int[,] targets)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(targets);
        int n = scores.GetLength(0), labelCount = scores.GetLength(1);
        if (targets.GetLength(0) != n || targets.GetLength(1) != labelCount)
            throw new ArgumentException(
                $"scores is [{n}, {labelCount}] but targets is [{targets.GetLength(0)}, {targets.GetLength(1)}].", nameof(targets));
        var column = new double[n];
        var target = new int[n];
        double sum = 0;
        int scored = 0;
        for (int l = 0; l < labelCount; l++)
        {
            for (int i = 0; i < n; i++)
            {
                column[i] = scores[i, l];
                target[i] = targets[i, l];
            }
            double auc = RocAuc(column, target);
            if (double.IsNaN(auc)) continue;
            sum += auc;
            scored++;
        }
        return scored == 0 ? double.NaN : sum / scored;
    }

    /// <summary>Fraction of positions where <paramref name="predicted"/> equals <paramref name="actual"/>; NaN when empty.</summary>
    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual)
    {
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"predicted has {predicted.Length} entries but actual has {actual.Length}.", nameof(actual));
        if (actual.Length == 0) return double.NaN;
        int correct = 0;
        for (int i = 0; i < actual.Length; i++) if (predicted[i] == actual[i]) correct++;
        return (double)correct / actual.Length;
    }

    /// <summary>
    /// Balanced accuracy: the mean over classes present in <paramref name="actual"/> of the recall of that
    /// class (scikit-learn's <c>balanced_accuracy_score</c> without adjustment; predicted classes that never
    /// occur in <paramref name="actual"/> only lower the recall of the classes they were confused for).
    /// </summary>
    /// <returns>The balanced accuracy in [0, 1], or NaN when empty.</returns>
    public static double BalancedAccuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> actual)
    {
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"predicted has {predicted.Length} entries but actual has {actual.Length}.", nameof(actual));
        if (actual.Length == 0) return double.NaN;
        var support = new Dictionary<int, int>();
        var hits = new Dictionary<int, int>();
        for (int i = 0; i < actual.Length; i++)
        {
            support[actual[i]] = support.GetValueOrDefault(actual[i]) + 1;
            if (predicted[i] == actual[i]) hits[actual[i]] = hits.GetValueOrDefault(actual[i]) + 1;
        }
        double recallSum = 0;
        foreach (var (c, count) in support) recallSum += (double)hits.GetValueOrDefault(c) / count;
        return recallSum / support.Count;
    }

    /// <summary>Index of the largest entry of each row of [n, classCount] <paramref name="probabilities"/> (first on ties).</summary>
    public static int[] ArgMax(float[,] probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        int n = probabilities.GetLength(0), k = probabilities.GetLength(1);
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int c = 1; c < k; c++) if (probabilities[i, c] > probabilities[i, best]) best = c;
            result[i] = best;
        }
        return result;
    }

    static void CheckClassIndices(int[] labels, int classCount, string name)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"{name}[{i}] is {labels[i]}, outside [0, {classCount}).", name);
    }
}
