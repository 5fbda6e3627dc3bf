using ConVirt.Models.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertSelfOutput</c> and <c>BertOutput</c>: dense, dropout, residual, LayerNorm.</summary>
internal sealed class BertSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertSelfOutput(long inFeatures, BertSpec spec) : base(nameof(BertSelfOutput))
    {
        dense = nn.Linear(inFeatures, spec.HiddenSize);
        LayerNorm = nn.LayerNorm(spec.HiddenSize, spec.LayerNormEps);
        dropout = nn.Dropout(spec.HiddenDropout);
        RegisterComponents();
    }

    /// <summary>hidden [B, L, in], residual [B, L, H] -> LayerNorm(dropout(dense(hidden)) + residual).</summary>
    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var projected = DenseKernel.Linear(dense, hidden);
        using var dropped = dropout.call(projected);
        using var sum = dropped + residual;   // float32: a bfloat16 projection promotes to the float32 residual stream, so LayerNorm runs in float32
        return LayerNorm.call(sum);
    }
}
