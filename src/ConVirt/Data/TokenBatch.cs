namespace ConVirt.Data;

/// <summary>
/// Tokenised sentences for one batch, padded to a common length: [CLS] tokens [SEP] [PAD]...
/// </summary>
/// <param name="InputIds">BatchSize * Length token ids, row-major.</param>
/// <param name="AttentionMask">BatchSize * Length: 1 for real tokens (CLS and SEP included), 0 for padding.</param>
/// <param name="BatchSize">Number of sentences.</param>
/// <param name="Length">Padded length of every row.</param>
public sealed record TokenBatch(long[] InputIds, long[] AttentionMask, int BatchSize, int Length);
