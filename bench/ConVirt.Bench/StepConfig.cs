using ConVirt.Configuration;
using ConVirt.Models.Text;

namespace ConVirt.Bench;

/// <summary>A benchmarked model: the named configuration with random weights (same compute as pretrained ones).</summary>
internal sealed record StepConfig(string Name, ConVirtConfig Config)
{
    /// <summary>
    /// cpu-small and paper with random weights: cpu-small's packaged ImageNet ResNet-18 is the CNTK variant
    /// (stages 2-2-2-3, explicit top/left padding); the benchmark uses torchvision's resnet18 so the PyTorch
    /// reference has the same graph.
    /// </summary>
    public static StepConfig Named(string name)
    {
        var c = ConVirtConfig.Named(name);
        var model = c.Model with
        {
            Image = c.Model.Image with { Weights = "none" },
            Text = c.Model.Text with { Weights = "none", Bert = name == "paper" ? BertSpec.Base : BertSpec.MiniLmL6 },
        };
        return new StepConfig(name, c with { Model = model });
    }
}
