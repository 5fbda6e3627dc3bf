namespace ConVirt.Evaluation.ZeroShot;

/// <summary>
/// The arithmetic of zero-shot classification on embeddings (row-major [n, d] matrices), as CLIP and CheXzero
/// define it: class vectors are the renormalised mean of their L2-normalised prompt embeddings; an image's
/// class probabilities are the softmax of its cosine similarities divided by the temperature.
/// </summary>
internal static class ZeroShotScores
{
    /// <summary>
    /// One unit vector per class: the mean of the L2-normalised rows of <paramref name="prompts"/> belonging to
    /// it (<paramref name="classOf"/>[i] is row i's class), renormalised.
    /// </summary>
    public static float[,] ClassVectors(float[,] prompts, IReadOnlyList<int> classOf, int classes)
    {
        int n = prompts.GetLength(0), d = prompts.GetLength(1);
        if (classOf.Count != n) throw new ArgumentException($"{classOf.Count} class indices for {n} prompt rows");
        var sum = new double[classes, d];
        var count = new int[classes];
        for (int i = 0; i < n; i++)
        {
            double norm = Norm(prompts, i);
            for (int j = 0; j < d; j++) sum[classOf[i], j] += prompts[i, j] / norm;
            count[classOf[i]]++;
        }
        var result = new float[classes, d];
        for (int c = 0; c < classes; c++)
        {
            if (count[c] == 0) throw new ArgumentException($"class {c} has no prompt");
            double norm = 0;
            for (int j = 0; j < d; j++) norm += sum[c, j] * sum[c, j];
            norm = Math.Sqrt(norm);
            if (norm == 0) throw new ArgumentException($"the prompts of class {c} cancel out (zero mean vector)");
            for (int j = 0; j < d; j++) result[c, j] = (float)(sum[c, j] / norm);
        }
        return result;
    }

    /// <summary>Softmax over classes of cos(image, class) / temperature: [images, classes].</summary>
    public static double[,] Probabilities(float[,] images, float[,] classVectors, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive");
        int n = images.GetLength(0), k = classVectors.GetLength(0), d = images.GetLength(1);
        if (classVectors.GetLength(1) != d) throw new ArgumentException($"image vectors have {d} dimensions, class vectors {classVectors.GetLength(1)}");
        var p = new double[n, k];
        var logits = new double[k];
        for (int i = 0; i < n; i++)
        {
            double norm = Norm(images, i);
            double max = double.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += images[i, j] * (double)classVectors[c, j];
                logits[c] = dot / norm / temperature;
                max = Math.Max(max, logits[c]);
            }
            double total = 0;
            for (int c = 0; c < k; c++) total += logits[c] = Math.Exp(logits[c] - max);
            for (int c = 0; c < k; c++) p[i, c] = logits[c] / total;
        }
        return p;
    }

    private static double Norm(float[,] m, int row)
    {
        double s = 0;
        for (int j = 0; j < m.GetLength(1); j++) s += m[row, j] * (double)m[row, j];
        if (s == 0) throw new ArgumentException($"row {row} is a zero vector");
        return Math.Sqrt(s);
    }
}
