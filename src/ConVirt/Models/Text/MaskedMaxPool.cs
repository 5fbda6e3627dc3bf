using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>Max-pooling over token vectors that ignores padding.</summary>
internal static class MaskedMaxPool
{
    /// <summary>
    /// tokens [B, L, H], attentionMask [B, L] (1 = token, 0 = padding) -> [B, H], the element-wise maximum
    /// over real tokens only: padding is filled with -inf before the max, so it never wins, whatever it holds.
    /// A row with no real token (never produced by the tokenizer, which always emits [CLS]) pools to 0.
    /// </summary>
    public static Tensor Apply(Tensor tokens, Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var padding = attentionMask.eq(0).unsqueeze(-1);                       // [B, L, 1]
        var filled = tokens.masked_fill(padding, float.NegativeInfinity);
        var pooled = filled.amax([1L]);                                        // [B, H]
        var empty = attentionMask.sum(1).eq(0).unsqueeze(-1);                  // [B, 1]
        return pooled.masked_fill(empty, 0f).MoveToOuterDisposeScope();
    }
}
