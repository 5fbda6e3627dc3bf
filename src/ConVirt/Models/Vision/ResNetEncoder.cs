using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>
/// A ResNet with the classifier removed: input [B, C, H, W] in [0, 1], output the global-average-pooled
/// features h_v [B, 512] (basic blocks) or [B, 2048] (bottlenecks).
/// </summary>
/// <remarks>
/// Parameter names equal torchvision's <c>resnet18()</c>/<c>resnet50()</c> state_dict keys without <c>fc.*</c>
/// (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>, ...), so torchvision weights load by name.
/// The input normalisation is part of the encoder: <c>(x - mean) / std</c> per channel, with constants
/// that are not parameters (not in the state dict): for grayscale input the mean of ImageNet's channel
/// means and stds (0.449, 0.226), for RGB ImageNet's. A packaged-weights importer may replace them.
/// </remarks>
public sealed class ResNetEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly PaddingStyle padding;
    private float[] mean;
    private float[] std;

    /// <summary>The architecture this encoder was built from.</summary>
    public ResNetSpec Spec { get; }

    /// <summary>Width of h_v.</summary>
    public int FeatureDim => Spec.FeatureDim;

    /// <summary>Per-channel mean subtracted from inputs in [0, 1].</summary>
    public IReadOnlyList<float> InputMean => mean;

    /// <summary>Per-channel standard deviation inputs are divided by.</summary>
    public IReadOnlyList<float> InputStd => std;

    /// <summary>Builds a randomly initialised encoder (Kaiming-normal convolutions, BN weight 1, bias 0, as torchvision).</summary>
    public ResNetEncoder(ResNetSpec spec) : base("ResNet")
    {
        Spec = spec;
        padding = spec.Padding;
        conv1 = nn.Conv2d(spec.InChannels, 64, 7, stride: 2, padding: spec.Padding == PaddingStyle.TopLeft ? 0 : 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        long inPlanes = 64;
        layer1 = MakeLayer(spec, ref inPlanes, 64, spec.Layers[0], 1);
        layer2 = MakeLayer(spec, ref inPlanes, 128, spec.Layers[1], 2);
        layer3 = MakeLayer(spec, ref inPlanes, 256, spec.Layers[2], 2);
        layer4 = MakeLayer(spec, ref inPlanes, 512, spec.Layers[3], 2);
        (mean, std) = spec.InChannels == 1
            ? (new[] { 0.449f }, new[] { 0.226f })
            : (new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });
        RegisterComponents();
        InitialiseWeights();
    }

    private static Sequential MakeLayer(ResNetSpec spec, ref long inPlanes, long planes, int blocks, long stride)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        long expansion = spec.Block == ResNetBlockKind.Bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        for (int i = 0; i < blocks; i++)
        {
            long s = i == 0 ? stride : 1;
            nn.Module<Tensor, Tensor> block = spec.Block == ResNetBlockKind.Bottleneck
                ? new Bottleneck(inPlanes, planes, s, spec.Padding)
                : new BasicBlock(inPlanes, planes, s, spec.Padding);
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
            inPlanes = planes * expansion;
        }
        return nn.Sequential(modules);
    }

    private void InitialiseWeights()
    {
        using var _ = torch.no_grad();
        foreach (var (name, module) in named_modules())
        {
            if (module is Conv2d conv)
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn)
            {
                nn.init.ones_(bn.weight);
                nn.init.zeros_(bn.bias);
            }
        }
    }

    /// <summary>Replaces the input normalisation constants (one value per input channel).</summary>
    public void SetInputNormalization(float[] channelMean, float[] channelStd)
    {
        if (channelMean.Length != Spec.InChannels || channelStd.Length != Spec.InChannels)
            throw new ArgumentException($"normalisation needs {Spec.InChannels} values per channel");
        if (channelStd.Any(s => !(s > 0))) throw new ArgumentException("normalisation std must be positive");
        mean = (float[])channelMean.Clone();
        std = (float[])channelStd.Clone();
    }

    /// <summary>[B, C, H, W] in [0, 1] -> h_v [B, FeatureDim].</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Spec.InChannels)
            throw new ArgumentException($"image encoder expects [B, {Spec.InChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        using var scope = torch.NewDisposeScope();
        var h = conv1.call(ConvPadding.Apply(Normalise(x), padding, 7, 2));
        h = bn1.call(h).relu_();
        h = nn.functional.max_pool2d(ConvPadding.Apply(h, padding, 3, 2, double.NegativeInfinity), 3, 2, padding == PaddingStyle.TopLeft ? 0 : 1);
        h = layer4.call(layer3.call(layer2.call(layer1.call(h))));
        return h.mean([2L, 3L]).MoveToOuterDisposeScope();
    }

    private Tensor Normalise(Tensor x)
    {
        if (Spec.InChannels == 1) return (x - mean[0]) / std[0];
        using var m = torch.tensor(mean, dtype: x.dtype, device: x.device).view(1, -1, 1, 1);
        using var s = torch.tensor(std, dtype: x.dtype, device: x.device).view(1, -1, 1, 1);
        return (x - m) / s;
    }
}
