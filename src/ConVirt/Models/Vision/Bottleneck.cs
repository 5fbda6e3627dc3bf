using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>torchvision's Bottleneck (v1.5, stride on the 3x3): 1x1-3x3-1x1 with expansion 4. Field names are PyTorch's.</summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Sequential? downsample;
    private readonly long stride;
    private readonly PaddingStyle padding;

    public Bottleneck(long inPlanes, long planes, long stride, PaddingStyle padding) : base(nameof(Bottleneck))
    {
        this.stride = stride;
        this.padding = padding;
        long outPlanes = planes * Expansion;
        conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: ConvPadding.Builtin(padding, 3, stride), bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, outPlanes, 1, bias: false);
        bn3 = nn.BatchNorm2d(outPlanes);
        if (stride != 1 || inPlanes != outPlanes)
            downsample = nn.Sequential(("0", nn.Conv2d(inPlanes, outPlanes, 1, stride: stride, bias: false)), ("1", nn.BatchNorm2d(outPlanes)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h1 = conv1.call(x);
        using var h2 = bn1.call(h1).relu_();
        using var h3 = conv2.call(ConvPadding.Apply(h2, padding, 3, stride));
        using var h4 = bn2.call(h3).relu_();
        using var h5 = conv3.call(h4);
        var h6 = bn3.call(h5);
        using var identity = downsample is null ? x.alias() : downsample.call(x);
        return h6.add_(identity).relu_();
    }
}
