using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>
/// HuggingFace <c>BertPooler</c> (dense + tanh on the [CLS] vector). ConVIRT max-pools instead; the pooler
/// exists so the state dict equals <c>BertModel</c>'s and round-trips, and is frozen.
/// </summary>
internal sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertSpec spec) : base(nameof(BertPooler))
    {
        dense = nn.Linear(spec.HiddenSize, spec.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        using var cls = tokens.select(1, 0);
        using var h = dense.call(cls);
        return h.tanh();
    }
}
