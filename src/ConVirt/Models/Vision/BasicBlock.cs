using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>torchvision's BasicBlock: conv3x3-bn-relu-conv3x3-bn + shortcut. Field names are PyTorch's.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 1;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;
    private readonly Conv2d? downsampleConv;
    private readonly BatchNorm2d? downsampleNorm;
    private readonly long conv1Padding;
    private readonly long stride;
    private readonly PaddingStyle padding;

    public BasicBlock(long inPlanes, long planes, long stride, PaddingStyle padding) : base(nameof(BasicBlock))
    {
        this.stride = stride;
        this.padding = padding;
        conv1Padding = ConvPadding.Builtin(padding, 3, stride);
        conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: conv1Padding, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: 1, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        if (stride != 1 || inPlanes != planes)
        {
            downsampleConv = nn.Conv2d(inPlanes, planes, 1, stride: stride, bias: false);
            downsampleNorm = nn.BatchNorm2d(planes);
            downsample = nn.Sequential(("0", downsampleConv), ("1", downsampleNorm));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h1 = ChannelsLastConv.Call(conv1, ConvPadding.Apply(x, padding, 3, stride), stride, conv1Padding, ChannelsLast);
        using var h2 = bn1.call(h1).relu_();
        using var h3 = ChannelsLastConv.Call(conv2, h2, 1, 1, ChannelsLast);
        var h4 = bn2.call(h3);
        using var identity = downsample is null ? x.alias() : ChannelsLastConv.Downsample(downsampleConv!, downsampleNorm!, x, stride, ChannelsLast);
        return h4.add_(identity).relu_();
    }

    /// <summary>Convolutions through channels-last weights (<see cref="ChannelsLastConv"/>); set by the encoder.</summary>
    internal bool ChannelsLast { get; set; }
}
