using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertEmbeddings</c>: word + position + token-type embeddings, LayerNorm, dropout.</summary>
internal sealed class BertEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertEmbeddings(BertSpec spec) : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(spec.VocabSize, spec.HiddenSize);
        position_embeddings = nn.Embedding(spec.MaxPositions, spec.HiddenSize);
        token_type_embeddings = nn.Embedding(spec.TypeVocabSize, spec.HiddenSize);
        LayerNorm = nn.LayerNorm(spec.HiddenSize, spec.LayerNormEps);
        dropout = nn.Dropout(spec.HiddenDropout);
        RegisterComponents();
    }

    /// <summary>[B, L] token ids -> [B, L, H]; positions 0..L-1, token type 0.</summary>
    public override Tensor forward(Tensor inputIds)
    {
        long length = inputIds.shape[1];
        using var positions = torch.arange(length, dtype: int64, device: inputIds.device).unsqueeze(0);
        using var words = word_embeddings.call(inputIds);
        using var pos = position_embeddings.call(positions);
        using var types = token_type_embeddings.weight![0];
        using var sum = words + pos + types;
        using var normed = LayerNorm.call(sum);
        return dropout.call(normed);
    }
}
