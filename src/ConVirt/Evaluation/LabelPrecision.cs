namespace ConVirt.Evaluation;

/// <summary>Precision@k of the queries of one label.</summary>
/// <param name="Queries">Queries with this label.</param>
/// <param name="Precision">Mean precision per k.</param>
internal sealed record LabelPrecision(int Queries, IReadOnlyList<double> Precision);
