namespace ConVirt.Data.Text;

/// <summary>
/// Uniform sampling of one sentence of a report per training step (ConVIRT's text augmentation: a random
/// sentence stands for the report). All randomness comes from the caller's <see cref="Random"/>, so a seeded
/// generator gives a reproducible sequence.
/// </summary>
internal sealed class SentenceSampler
{
    /// <summary>A uniformly chosen sentence.</summary>
    /// <exception cref="ArgumentException">When <paramref name="sentences"/> is empty.</exception>
    public string Sample(IReadOnlyList<string> sentences, Random rng)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        return sentences[SampleIndex(sentences.Count, rng)];
    }

    /// <summary>The cached id row ([CLS] ... [SEP]) of a uniformly chosen sentence: the training hot path.</summary>
    /// <exception cref="ArgumentException">When the report has no sentences.</exception>
    public int[] SampleTokenIds(ReportSentences report, Random rng)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.TokenIds[SampleIndex(report.Count, rng)];
    }

    /// <summary>A uniform index in [0, <paramref name="count"/>).</summary>
    public static int SampleIndex(int count, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (count <= 0)
            throw new ArgumentException("A report with no sentences cannot be sampled; filter out reports without text first.", nameof(count));
        return rng.Next(count);
    }
}
