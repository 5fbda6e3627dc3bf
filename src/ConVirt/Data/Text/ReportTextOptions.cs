namespace ConVirt.Data.Text;

/// <summary>Options of the report-text side of the data path.</summary>
/// <param name="MaxLength">Most token ids per sentence, [CLS] and [SEP] included (BERT-style encoders: 128 in ConVIRT).</param>
/// <param name="LowerCase">Lowercase (and strip accents) before WordPiece; true for uncased vocabularies such as MiniLM's.</param>
internal sealed record ReportTextOptions(int MaxLength = WordPieceTokenizer.DefaultMaxLength, bool LowerCase = true)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the bad value.</summary>
    public ReportTextOptions Validate()
    {
        if (MaxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, $"{nameof(MaxLength)} must be at least 2 ([CLS] and [SEP]); got {MaxLength}.");
        return this;
    }
}
