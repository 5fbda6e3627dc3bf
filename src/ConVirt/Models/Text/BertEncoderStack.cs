using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Text;

/// <summary>HuggingFace <c>BertEncoder</c>: the list <c>layer</c> of <see cref="BertLayer"/>.</summary>
internal sealed class BertEncoderStack : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoderStack(BertSpec spec) : base("BertEncoder")
    {
        layer = nn.ModuleList(Enumerable.Range(0, spec.NumLayers).Select(_ => new BertLayer(spec)).ToArray());
        RegisterComponents();
    }

    /// <summary>The transformer layers in order.</summary>
    public IReadOnlyList<BertLayer> Layers => layer.ToList();

    public override Tensor forward(Tensor x, Tensor additiveMask)
    {
        var h = x.alias();
        foreach (var l in layer)
        {
            var next = l.call(h, additiveMask);
            h.Dispose();
            h = next;
        }
        return h;
    }
}
