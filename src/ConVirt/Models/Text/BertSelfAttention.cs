using ConVirt.Models.Kernels;
using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertSelfAttention</c>: query, key, value projections and scaled dot-product attention.</summary>
internal sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;
    private readonly double attentionDropout;

    public BertSelfAttention(BertSpec spec) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(spec.HiddenSize, spec.HiddenSize);
        key = nn.Linear(spec.HiddenSize, spec.HiddenSize);
        value = nn.Linear(spec.HiddenSize, spec.HiddenSize);
        heads = spec.NumHeads;
        attentionDropout = spec.AttentionDropout;
        RegisterComponents();
    }

    /// <summary>x [B, L, H], additiveMask [B, 1, 1, L] (0 for tokens, a large negative for padding) -> [B, L, H].</summary>
    public override Tensor forward(Tensor x, Tensor additiveMask)
    {
        long b = x.shape[0], l = x.shape[1], h = x.shape[2], d = h / heads;
        using var q = DenseKernel.Linear(query, x).view(b, l, heads, d).transpose(1, 2);   // [B, nh, L, d]
        using var k = DenseKernel.Linear(key, x).view(b, l, heads, d).transpose(1, 2);
        using var v = DenseKernel.Linear(value, x).view(b, l, heads, d).transpose(1, 2);
        using var context = Autocast.Attention(q, k, v, additiveMask, training ? attentionDropout : 0.0);
        return context.transpose(1, 2).reshape(b, l, h);
    }
}
