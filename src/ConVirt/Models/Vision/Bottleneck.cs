using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>torchvision's Bottleneck (v1.5, stride on the 3x3): 1x1-3x3-1x1 with expansion 4. Field names are PyTorch's.</summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly Sequential? downsample;
    private readonly Conv2d? downsampleConv;
    private readonly BatchNorm2d? downsampleNorm;
    private readonly long conv2Padding;
    private readonly long stride;
    private readonly PaddingStyle padding;

    public Bottleneck(long inPlanes, long planes, long stride, PaddingStyle padding) : base(nameof(Bottleneck))
    {
        this.stride = stride;
        this.padding = padding;
        long outPlanes = planes * Expansion;
        conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2Padding = ConvPadding.Builtin(padding, 3, stride);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: conv2Padding, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, outPlanes, 1, bias: false);
        bn3 = nn.BatchNorm2d(outPlanes);
        if (stride != 1 || inPlanes != outPlanes)
        {
            downsampleConv = nn.Conv2d(inPlanes, outPlanes, 1, stride: stride, bias: false);
            downsampleNorm = nn.BatchNorm2d(outPlanes);
            downsample = nn.Sequential(("0", downsampleConv), ("1", downsampleNorm));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h1 = ChannelsLastConv.Call(conv1, x, 1, 0, ChannelsLast);
        using var h2 = bn1.call(h1).relu_();
        using var h3 = ChannelsLastConv.Call(conv2, ConvPadding.Apply(h2, padding, 3, stride), stride, conv2Padding, ChannelsLast);
        using var h4 = bn2.call(h3).relu_();
        using var h5 = ChannelsLastConv.Call(conv3, h4, 1, 0, ChannelsLast);
        var h6 = bn3.call(h5);
        using var identity = downsample is null ? x.alias() : ChannelsLastConv.Downsample(downsampleConv!, downsampleNorm!, x, stride, ChannelsLast);
        return h6.add_(identity).relu_();
    }

    /// <summary>Convolutions through channels-last weights (<see cref="ChannelsLastConv"/>); set by the encoder.</summary>
    internal bool ChannelsLast { get; set; }
}
