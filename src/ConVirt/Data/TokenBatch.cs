namespace ConVirt.Data;

/// <summary>
/// Tokenised sentences for one batch, padded to a common length: [CLS] tokens [SEP] [PAD]...
/// </summary>
/// <param name="InputIds">BatchSize * Length token ids, row-major.</param>
/// <param name="AttentionMask">BatchSize * Length: 1 for real tokens (CLS and SEP included), 0 for padding.</param>
/// <param name="BatchSize">Number of sentences.</param>
/// <param name="Length">Padded length of every row.</param>
internal sealed record TokenBatch(long[] InputIds, long[] AttentionMask, int BatchSize, int Length)
{
    /// <summary>The id written into padding positions.</summary>
    public long PadId { get; init; }

    /// <summary>
    /// The same rows padded to <paramref name="length"/> (≥ <see cref="Length"/>). Data-parallel ranks pad their slices to
    /// the global batch's length, as random draws over [B, L, H] (dropout) depend on L.
    /// </summary>
    public TokenBatch PadTo(int length)
    {
        if (length < Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"rows are already {Length} tokens long");
        if (length == Length) return this;
        var ids = new long[BatchSize * length];
        var mask = new long[BatchSize * length];
        Array.Fill(ids, PadId);
        for (int r = 0; r < BatchSize; r++)
        {
            InputIds.AsSpan(r * Length, Length).CopyTo(ids.AsSpan(r * length));
            AttentionMask.AsSpan(r * Length, Length).CopyTo(mask.AsSpan(r * length));
        }
        return new TokenBatch(ids, mask, BatchSize, length) { PadId = PadId };
    }
}
