using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>torchvision's BasicBlock: conv3x3-bn-relu-conv3x3-bn + shortcut. Field names are PyTorch's.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;
    private readonly long stride;
    private readonly PaddingStyle padding;

    public BasicBlock(long inPlanes, long planes, long stride, PaddingStyle padding) : base(nameof(BasicBlock))
    {
        this.stride = stride;
        this.padding = padding;
        conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: ConvPadding.Builtin(padding, 3, stride), bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        if (stride != 1 || inPlanes != planes)
            downsample = nn.Sequential(("0", nn.Conv2d(inPlanes, planes, 1, stride: stride, bias: false)), ("1", nn.BatchNorm2d(planes)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h1 = conv1.call(ConvPadding.Apply(x, padding, 3, stride));
        using var h2 = bn1.call(h1).relu_();
        using var h3 = conv2.call(h2);
        var h4 = bn2.call(h3);
        using var identity = downsample is null ? x.alias() : downsample.call(x);
        return h4.add_(identity).relu_();
    }
}
