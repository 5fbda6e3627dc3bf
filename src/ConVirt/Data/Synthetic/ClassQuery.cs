namespace ConVirt.Data.Synthetic;

/// <summary>A text description of a class, used as a query for text-to-image retrieval.</summary>
/// <param name="Text">The description, phrased like a radiologist.</param>
/// <param name="Label">The class it describes (a primary finding label).</param>
internal sealed record ClassQuery(string Text, string Label);
