using ConVirt.Models.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertIntermediate</c>: dense to the feed-forward width, exact (erf) GELU.</summary>
internal sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertIntermediate(BertSpec spec) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(spec.HiddenSize, spec.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = DenseKernel.Linear(dense, x);
        return nn.functional.gelu(h);
    }
}
