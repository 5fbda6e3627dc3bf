namespace ConVirt.Data.Text;

/// <summary>
/// One report split into sentences (<see cref="SentenceSplitter"/>) with each sentence already encoded
/// (<see cref="WordPieceTokenizer.EncodeSentence"/>), so that a training step only picks a cached id row.
/// </summary>
/// <remarks>The id rows are shared with every caller: treat them as read-only.</remarks>
internal sealed class ReportSentences
{
    ReportSentences(string[] sentences, int[][] tokenIds)
    {
        Sentences = sentences;
        TokenIds = tokenIds;
    }

    /// <summary>Cleaned sentences in report order (empty for a report with no letters or digits).</summary>
    public IReadOnlyList<string> Sentences { get; }

    /// <summary>Per sentence: [CLS] pieces [SEP], at most the cache's maximum length.</summary>
    public IReadOnlyList<int[]> TokenIds { get; }

    /// <summary>Number of sentences.</summary>
    public int Count => Sentences.Count;

    /// <summary>Splits and encodes one report.</summary>
    /// <param name="report">Raw report text (null is empty).</param>
    /// <param name="tokenizer">Tokenizer for the id rows.</param>
    /// <param name="maxLength">Most ids per sentence, [CLS] and [SEP] included.</param>
    public static ReportSentences Create(string? report, WordPieceTokenizer tokenizer, int maxLength = WordPieceTokenizer.DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var sentences = SentenceSplitter.Split(report);
        var ids = new int[sentences.Count][];
        for (int k = 0; k < ids.Length; k++) ids[k] = tokenizer.EncodeSentence(sentences[k], maxLength);
        return new ReportSentences([.. sentences], ids);
    }
}
