namespace ConVirt.Models.Text;

/// <summary>
/// The size of a BERT encoder, with HuggingFace's <c>config.json</c> meanings.
/// </summary>
internal sealed record BertSpec
{
    /// <summary>Rows of the word-embedding matrix.</summary>
    public int VocabSize { get; init; } = 30522;
    /// <summary>Width of every token vector.</summary>
    public int HiddenSize { get; init; } = 384;
    /// <summary>Transformer layers.</summary>
    public int NumLayers { get; init; } = 6;
    /// <summary>Attention heads (divides <see cref="HiddenSize"/>).</summary>
    public int NumHeads { get; init; } = 12;
    /// <summary>Width of the feed-forward layer.</summary>
    public int IntermediateSize { get; init; } = 1536;
    /// <summary>Rows of the position-embedding matrix (the longest input).</summary>
    public int MaxPositions { get; init; } = 512;
    /// <summary>Rows of the token-type embedding.</summary>
    public int TypeVocabSize { get; init; } = 2;
    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary>Dropout after embeddings, attention output and feed-forward.</summary>
    public double HiddenDropout { get; init; } = 0.1;
    /// <summary>Dropout on attention probabilities.</summary>
    public double AttentionDropout { get; init; } = 0.1;

    /// <summary>MiniLM-L6 size (all-MiniLM-L6-v2): 6 layers, 384 wide, 12 heads, 1536 feed-forward.</summary>
    public static BertSpec MiniLmL6 => new();
    /// <summary>BERT-base size (bert-base-uncased, Bio_ClinicalBERT): 12 layers, 768 wide, 12 heads, 3072 feed-forward.</summary>
    public static BertSpec Base => new() { HiddenSize = 768, NumLayers = 12, NumHeads = 12, IntermediateSize = 3072, VocabSize = 30522 };

    /// <summary>Throws naming the first inconsistent value.</summary>
    public void Validate()
    {
        if (VocabSize < 1) throw new ArgumentException($"vocabSize must be positive, got {VocabSize}");
        if (HiddenSize < 1 || NumHeads < 1 || HiddenSize % NumHeads != 0)
            throw new ArgumentException($"hiddenSize ({HiddenSize}) must be a positive multiple of numHeads ({NumHeads})");
        if (NumLayers < 0) throw new ArgumentException($"numLayers must be >= 0, got {NumLayers}");
        if (IntermediateSize < 1) throw new ArgumentException($"intermediateSize must be positive, got {IntermediateSize}");
        if (MaxPositions < 2) throw new ArgumentException($"maxPositions must be >= 2, got {MaxPositions}");
    }
}
