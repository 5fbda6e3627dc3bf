namespace ConVirt.Evaluation;

/// <summary>Summary of a <c>convirt tsne</c> run (written next to the PNG as JSON).</summary>
/// <param name="Kind">"tsne".</param>
/// <param name="Encoder">The encoder whose h_v were embedded.</param>
/// <param name="Label">Label key.</param>
/// <param name="Data">Rows embedded.</param>
/// <param name="Points">Number of points.</param>
/// <param name="Perplexity">Perplexity.</param>
/// <param name="Iterations">Iterations.</param>
/// <param name="KlDivergence">Final KL(P ‖ Q).</param>
/// <param name="Trustworthiness">Trustworthiness of the 2-D map at k = 10 (1 = neighbourhoods kept).</param>
/// <param name="Png">PNG path.</param>
/// <param name="Csv">CSV path (id,label,x,y).</param>
internal sealed record TsneJobResult(string Kind, EncoderInfo Encoder, string Label, DataSetInfo Data, int Points, double Perplexity, int Iterations,
    double KlDivergence, double Trustworthiness, string Png, string Csv);
