namespace ConVirt.Evaluation;

/// <summary>
/// The k most similar store entries for each query, best first; ties in similarity are ordered by
/// ascending store index.
/// </summary>
/// <param name="Indices">[queries, k] store indices.</param>
/// <param name="Similarities">[queries, k] cosine similarities (or dot products when not normalised).</param>
internal sealed record NearestNeighbours(long[,] Indices, float[,] Similarities)
{
    /// <summary>Number of queries.</summary>
    public int QueryCount => Indices.GetLength(0);

    /// <summary>Neighbours per query.</summary>
    public int K => Indices.GetLength(1);
}
