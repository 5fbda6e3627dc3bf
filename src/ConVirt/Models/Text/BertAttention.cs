using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertAttention</c>: <c>self</c> then <c>output</c>.</summary>
internal sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention @self;
    private readonly BertSelfOutput output;

    public BertAttention(BertSpec spec) : base(nameof(BertAttention))
    {
        @self = new BertSelfAttention(spec);
        output = new BertSelfOutput(spec.HiddenSize, spec);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor additiveMask)
    {
        using var attended = @self.call(x, additiveMask);
        return output.call(attended, x);
    }
}
