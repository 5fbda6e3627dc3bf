using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertLayer</c>: attention, intermediate, output.</summary>
internal sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertSelfOutput output;

    public BertLayer(BertSpec spec) : base(nameof(BertLayer))
    {
        attention = new BertAttention(spec);
        intermediate = new BertIntermediate(spec);
        output = new BertSelfOutput(spec.IntermediateSize, spec);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor additiveMask)
    {
        using var a = attention.call(x, additiveMask);
        using var i = intermediate.call(a);
        return output.call(i, a);
    }
}
