using System.Diagnostics;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// Channels-last probe: the image tower's forward + backward with NCHW tensors vs the same tensors in channels-last
/// strides (TorchSharp 0.107 has no memory-format argument, so the layout is made by ChannelsLastConv.ToChannelsLast,
/// which is what PyTorch's <c>channels_last</c> is: an NCHW-shaped tensor with strides [HWC, 1, WC, C]).
/// </summary>
internal static class LayoutBench
{
    /// <summary>Replaces every 4-d convolution weight by a channels-last copy.</summary>
    public static void ConvertWeights(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in module.named_modules())
            if (m is Conv2d conv && conv.weight is { } w)
                conv.weight = new Parameter(ChannelsLastConv.ToChannelsLast(w.detach()), w.requires_grad);
    }

    /// <summary>Seconds per forward + backward: NCHW; the encoder's ChannelsLast path (a channels-last copy of each weight per
    /// call, parameters NCHW); parameters themselves stored channels-last.</summary>
    public static (List<double> Nchw, List<double> Copies, List<double> Stored) Run(string arch, int batch, int size, int warmup, int reps)
    {
        torch.manual_seed(0);
        var plain = new ResNetEncoder((arch == "resnet50" ? ResNetSpec.ResNet50 : ResNetSpec.ResNet18) with { InChannels = 1 });
        torch.manual_seed(0);
        var copies = new ResNetEncoder((arch == "resnet50" ? ResNetSpec.ResNet50 : ResNetSpec.ResNet18) with { InChannels = 1 }) { ChannelsLast = true };
        torch.manual_seed(0);
        var last = new ResNetEncoder((arch == "resnet50" ? ResNetSpec.ResNet50 : ResNetSpec.ResNet18) with { InChannels = 1 });
        ConvertWeights(last);
        plain.train(); copies.train(); last.train();
        var images = torch.rand(batch, 1, size, size);
        var imagesLast = ChannelsLastConv.ToChannelsLast(images);
        var a = new List<double>();
        var b = new List<double>();
        var c = new List<double>();
        for (int i = 0; i < warmup + reps; i++)
        {
            foreach (var (model, input, sink) in new[] { (plain, images, a), (copies, images, c), (last, imagesLast, b) })
            {
                var w = Stopwatch.StartNew();
                using (var scope = torch.NewDisposeScope())
                {
                    model.zero_grad();
                    var h = model.forward(input);
                    h.sum().backward();
                }
                if (i >= warmup) sink.Add(w.Elapsed.TotalSeconds);
            }
        }
        return (a, c, b);
    }
}
