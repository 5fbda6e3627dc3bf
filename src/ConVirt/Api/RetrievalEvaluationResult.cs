namespace ConVirt;

/// <summary>What <see cref="ConVirtEvaluation.Retrieval"/> measured (as <c>retrieval.json</c> holds it).</summary>
/// <param name="Encoder">The encoder evaluated.</param>
/// <param name="Label">The label key that defines relevance.</param>
/// <param name="Projected">True when the projected vectors v (images) and u (texts) were ranked (a ConVIRT run); false for h_v.</param>
/// <param name="Queries">The query rows.</param>
/// <param name="Candidates">The candidate rows.</param>
/// <param name="SelfExcluded">Queries whose own row was among the candidates and was left out of their ranking.</param>
/// <param name="Ks">The cut-offs, in the options' order; every list of precisions follows it.</param>
/// <param name="ImageToImage">Precision@k of the image queries.</param>
/// <param name="TextQueriesFile">The text query file, or null.</param>
/// <param name="TextToImage">Precision@k of the text queries, or null without <see cref="RetrievalEvaluationOptions.TextQueriesFile"/>.</param>
/// <param name="ImageSize">Side of the evaluation view.</param>
/// <param name="Markdown">The markdown section <c>convirt evaluate retrieval</c> prints and writes to <c>retrieval.md</c>.</param>
public sealed record RetrievalEvaluationResult(EvaluatedEncoder Encoder, string Label, bool Projected, EvaluationDataSet Queries, EvaluationDataSet Candidates,
    int SelfExcluded, IReadOnlyList<int> Ks, RetrievalPrecision ImageToImage, string? TextQueriesFile, RetrievalPrecision? TextToImage, int ImageSize,
    string Markdown);

/// <summary>Precision@k of one retrieval direction, per cut-off k (in the order of <see cref="RetrievalEvaluationResult.Ks"/>).</summary>
/// <param name="PrecisionAtK">Mean precision@k over the queries.</param>
/// <param name="Intervals">The mean over queries with its 95 % bootstrap interval (queries that name a patient are resampled by patient).</param>
/// <param name="ClassBalanced">The mean of the per-label means (every label weighs the same), with its 95 % bootstrap interval.</param>
/// <param name="ByLabel">Per query label: its queries and their mean precision@k.</param>
public sealed record RetrievalPrecision(IReadOnlyList<double> PrecisionAtK, IReadOnlyList<ScoreInterval> Intervals, IReadOnlyList<ScoreInterval> ClassBalanced,
    IReadOnlyDictionary<string, LabelRetrievalPrecision> ByLabel);

/// <summary>Precision@k of the queries of one label.</summary>
/// <param name="Queries">Queries with this label.</param>
/// <param name="PrecisionAtK">Their mean precision per cut-off.</param>
public sealed record LabelRetrievalPrecision(int Queries, IReadOnlyList<double> PrecisionAtK);
