using System.Collections.Concurrent;

namespace ConVirt.Data.Text;

/// <summary>
/// Thread-safe cache of <see cref="ReportSentences"/> keyed by report text: each distinct text is split and
/// tokenised exactly once, however many threads ask for it at the same time.
/// </summary>
internal sealed class SentenceCache
{
    readonly ConcurrentDictionary<string, Lazy<ReportSentences>> reports = new(StringComparer.Ordinal);
    readonly WordPieceTokenizer tokenizer;
    int buildCount;

    /// <summary>A cache that encodes sentences with <paramref name="tokenizer"/> to at most <paramref name="maxLength"/> ids.</summary>
    public SentenceCache(WordPieceTokenizer tokenizer, int maxLength = WordPieceTokenizer.DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (maxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 2 ([CLS] and [SEP]).");
        this.tokenizer = tokenizer;
        MaxLength = maxLength;
    }

    /// <summary>A cache configured by <paramref name="options"/>.</summary>
    public SentenceCache(WordPieceTokenizer tokenizer, ReportTextOptions options)
        : this(tokenizer, (options ?? throw new ArgumentNullException(nameof(options))).Validate().MaxLength)
    {
    }

    /// <summary>Most ids per encoded sentence.</summary>
    public int MaxLength { get; }

    /// <summary>Number of distinct report texts held.</summary>
    public int Count => reports.Count;

    /// <summary>How many times a report was split and tokenised (equals <see cref="Count"/>: once per text).</summary>
    public int BuildCount => Volatile.Read(ref buildCount);

    /// <summary>The sentences and id rows of <paramref name="report"/>, built on first request.</summary>
    public ReportSentences Get(string report)
    {
        ArgumentNullException.ThrowIfNull(report);
        // GetOrAdd may create a spare Lazy under a race, but only the stored one is ever evaluated.
        var lazy = reports.GetOrAdd(report, static (text, cache) => new Lazy<ReportSentences>(
            () => cache.Build(text), LazyThreadSafetyMode.ExecutionAndPublication), this);
        return lazy.Value;
    }

    ReportSentences Build(string report)
    {
        Interlocked.Increment(ref buildCount);
        return ReportSentences.Create(report, tokenizer, MaxLength);
    }
}
