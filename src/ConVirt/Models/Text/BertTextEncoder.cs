using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>
/// A BERT encoder whose state dict keys equal HuggingFace's <c>BertModel</c>
/// (<c>embeddings.word_embeddings.weight</c>, <c>encoder.layer.0.attention.self.query.weight</c>, ...,
/// <c>pooler.dense.bias</c>), followed by masked max-pooling: ids [B, L] + mask [B, L] -> h_u [B, H].
/// </summary>
internal sealed class BertTextEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoderStack encoder;
    private readonly BertPooler pooler;

    /// <summary>The size of this encoder.</summary>
    public BertSpec Spec { get; }

    /// <summary>Width of h_u.</summary>
    public int FeatureDim => Spec.HiddenSize;

    /// <summary>Builds a randomly initialised encoder (normal(0, 0.02) weights, zero biases, LayerNorm 1/0, as HuggingFace).</summary>
    public BertTextEncoder(BertSpec spec) : base("BertModel")
    {
        spec.Validate();
        Spec = spec;
        embeddings = new BertEmbeddings(spec);
        encoder = new BertEncoderStack(spec);
        pooler = new BertPooler(spec);
        RegisterComponents();
        InitialiseWeights();
        foreach (var p in pooler.parameters()) p.requires_grad = false; // unused by max-pooling
    }

    private void InitialiseWeights()
    {
        using var _ = torch.no_grad();
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal)) p.fill_(1f);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else p.normal_(0, 0.02);
        }
    }

    /// <summary>
    /// Freezes the embeddings (when <paramref name="freezeEmbeddings"/>) and the first <paramref name="frozenLayers"/>
    /// transformer layers: their parameters stop requiring gradients, so they get none and the trainer
    /// leaves them out of the optimiser. Layers after K are made trainable again.
    /// </summary>
    public void Freeze(bool freezeEmbeddings, int frozenLayers)
    {
        if (frozenLayers < 0 || frozenLayers > Spec.NumLayers)
            throw new ArgumentOutOfRangeException(nameof(frozenLayers), $"frozen layers must be within 0..{Spec.NumLayers}, got {frozenLayers}");
        foreach (var p in embeddings.parameters()) p.requires_grad = !freezeEmbeddings;
        for (int i = 0; i < encoder.Layers.Count; i++)
            foreach (var p in encoder.Layers[i].parameters()) p.requires_grad = i >= frozenLayers;
    }

    /// <summary>ids [B, L] (int64), attentionMask [B, L] (1 token / 0 padding) -> token outputs [B, L, H].</summary>
    public Tensor EncodeTokens(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var x = embeddings.call(inputIds);
        // [B, 1, 1, L]: 0 where attended, a large negative where padding (finite, so an all-padding row stays finite).
        var additive = (1 - attentionMask.to_type(x.dtype)).mul_(-1e9f).view(inputIds.shape[0], 1, 1, inputIds.shape[1]);
        return encoder.call(x, additive).MoveToOuterDisposeScope();
    }

    /// <summary>ids [B, L], attentionMask [B, L] -> h_u [B, H] by masked max-pooling over token outputs.</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var tokens = EncodeTokens(inputIds, attentionMask);
        return MaskedMaxPool.Apply(tokens, attentionMask).MoveToOuterDisposeScope();
    }
}
