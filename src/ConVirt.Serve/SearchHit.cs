namespace ConVirt.Serve;

/// <summary>One search result: the row id, the cosine similarity, its split and labels (no report text).</summary>
/// <param name="Id">Row id.</param>
/// <param name="Score">Cosine similarity with the query.</param>
/// <param name="Split">The row's split, or null.</param>
/// <param name="Labels">The row's labels.</param>
internal sealed record SearchHit(string Id, float Score, string? Split, IReadOnlyDictionary<string, string?> Labels);
