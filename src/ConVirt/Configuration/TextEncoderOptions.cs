using ConVirt.Models.Text;

namespace ConVirt.Configuration;

/// <summary>The text encoder f_u and its tokenizer.</summary>
internal sealed record TextEncoderOptions
{
    /// <summary>The BERT size (overridden by the weights' own config when weights are loaded).</summary>
    public BertSpec Bert { get; init; } = BertSpec.Base;
    /// <summary>none (random), minilm, arctic-xs (packaged), or a HuggingFace BERT folder.</summary>
    public string Weights { get; init; } = "none";
    /// <summary>Vocabulary: minilm, arctic-xs (packaged) or a vocab.txt path; a weights folder brings its own.</summary>
    public string Vocab { get; init; } = "minilm";
    /// <summary>Lower-case text before WordPiece (uncased vocabularies).</summary>
    public bool LowerCase { get; init; } = true;
    /// <summary>Freeze the embeddings during pretraining.</summary>
    public bool FreezeEmbeddings { get; init; } = true;
    /// <summary>Freeze the first K transformer layers (the paper: 6 of BERT-base's 12).</summary>
    public int FrozenLayers { get; init; } = 6;
    /// <summary>Longest tokenised sentence, [CLS] and [SEP] included.</summary>
    public int MaxLength { get; init; } = 128;
}
