namespace ConVirt.Data.Pipeline;

/// <summary>
/// Where one rank's pairs sit in a global batch: rows <see cref="Offset"/> ... <see cref="Offset"/> + <see cref="Count"/> - 1
/// of <see cref="GlobalCount"/>. A global batch of B pairs over N ranks gives rank r the rows ⌊rB/N⌋ ... ⌊(r+1)B/N⌋ - 1
/// (B/N each when N divides B).
/// </summary>
/// <param name="Offset">First global row of this rank's slice.</param>
/// <param name="Count">Rows in this rank's slice.</param>
/// <param name="GlobalCount">Rows in the global batch.</param>
internal sealed record BatchSlice(int Offset, int Count, int GlobalCount)
{
    /// <summary>The slice of rank <paramref name="rank"/> of <paramref name="ranks"/> in a batch of <paramref name="globalCount"/> rows.</summary>
    public static BatchSlice Of(int globalCount, int rank, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        if (rank < 0 || rank >= ranks) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be within [0, {ranks})");
        int start = Start(globalCount, rank, ranks);
        return new BatchSlice(start, Start(globalCount, rank + 1, ranks) - start, globalCount);
    }

    /// <summary>First row of rank <paramref name="rank"/>'s slice (<paramref name="rank"/> = N gives the batch size).</summary>
    public static int Start(int globalCount, int rank, int ranks) => (int)((long)globalCount * rank / ranks);
}
