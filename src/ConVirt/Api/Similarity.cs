namespace ConVirt;

/// <summary>Arithmetic on embeddings (the float[] vectors the embed calls return): cosine similarity and search.</summary>
public static class Similarity
{
    /// <summary>cos(a, b) = a·b / (|a| |b|), computed in double; 0 when either vector is zero.</summary>
    /// <exception cref="ArgumentException">The vectors differ in length.</exception>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors of length {a.Length} and {b.Length} cannot be compared");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>The <paramref name="k"/> candidates most similar (cosine) to <paramref name="query"/>, best first:
    /// (index into <paramref name="candidates"/>, cosine). Ties keep the candidates' order.</summary>
    public static IReadOnlyList<(int Index, double Cosine)> TopK(float[] query, IReadOnlyList<float[]> candidates, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(candidates);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");
        return candidates.Select((c, i) => (Index: i, Cosine: Cosine(query, c)))
            .OrderByDescending(x => x.Cosine).ThenBy(x => x.Index).Take(k).ToList();
    }

    /// <summary>The unit vector along the mean of the unit vectors of <paramref name="vectors"/> (a prompt ensemble's class vector).</summary>
    /// <exception cref="ArgumentException">No vectors, unequal lengths, a zero vector, or vectors that cancel out.</exception>
    public static float[] MeanDirection(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0) throw new ArgumentException("no vectors to average", nameof(vectors));
        int d = vectors[0].Length;
        var sum = new double[d];
        for (int i = 0; i < vectors.Count; i++)
        {
            if (vectors[i].Length != d) throw new ArgumentException($"vector {i} has length {vectors[i].Length}, vector 0 {d}", nameof(vectors));
            double norm = Math.Sqrt(vectors[i].Sum(x => (double)x * x));
            if (norm == 0) throw new ArgumentException($"vector {i} is zero", nameof(vectors));
            for (int j = 0; j < d; j++) sum[j] += vectors[i][j] / norm;
        }
        double total = Math.Sqrt(sum.Sum(x => x * x));
        if (total == 0) throw new ArgumentException("the vectors cancel out (zero mean)", nameof(vectors));
        return sum.Select(x => (float)(x / total)).ToArray();
    }
}
