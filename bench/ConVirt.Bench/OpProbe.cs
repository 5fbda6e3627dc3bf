using System.Diagnostics;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>Probe: single image-tower operations (channels-last, batch 32), forward and backward, to compare kernels
/// with another PyTorch build (bench/pytorch/probes.py ops prints the same list).</summary>
internal static class OpProbe
{
    static double Time(Action f, int reps = 6)
    {
        var r = new List<double>();
        for (int i = 0; i < reps + 2; i++)
        {
            using var scope = torch.NewDisposeScope();
            var w = Stopwatch.StartNew();
            f();
            if (i >= 2) r.Add(w.Elapsed.TotalMilliseconds);
        }
        r.Sort();
        return r[r.Count / 2];
    }

    public static void Run(Action<string> log)
    {
        foreach (var (cin, cout, k, hw, stride) in new[] { (64, 64, 3, 56, 1), (128, 128, 3, 28, 1), (256, 256, 3, 14, 1), (512, 512, 3, 7, 1), (1, 64, 7, 224, 2), (64, 256, 1, 56, 1), (256, 64, 1, 56, 1), (1024, 256, 1, 14, 1) })
        {
            using var x = ChannelsLastConv.ToChannelsLast(torch.randn(32, cin, hw, hw)).requires_grad_(true);
            using var w = ChannelsLastConv.ToChannelsLast(torch.randn(cout, cin, k, k)).requires_grad_(true);
            Tensor F() => nn.functional.conv2d(x, w, null, strides: [stride, stride], padding: [k / 2, k / 2]);
            using var g = torch.randn_like(F());
            double fw = Time(() => F());
            double fb = Time(() => F().backward([g]));
            log($"  conv ({cin}, {cout}, {k}, {hw}, {stride}) fwd {fw:F1} bwd {fb - fw:F1} ms");
        }
        {
            using var x = ChannelsLastConv.ToChannelsLast(torch.randn(32, 64, 112, 112)).requires_grad_(true);
            using var bn = nn.BatchNorm2d(64);
            bn.train();
            using var g = torch.randn_like(x);
            double fw = Time(() => bn.call(x));
            log($"  bn [32,64,112,112] fwd {fw:F1} bwd {Time(() => bn.call(x).backward([g])) - fw:F1}");
            using var gg = torch.randn_like(nn.functional.max_pool2d(x, 3, 2, 1));
            fw = Time(() => nn.functional.max_pool2d(x, 3, 2, 1));
            log($"  maxpool fwd {fw:F1} bwd {Time(() => nn.functional.max_pool2d(x, 3, 2, 1).backward([gg])) - fw:F1}");
            fw = Time(() => x.relu());
            log($"  relu fwd {fw:F1} bwd {Time(() => x.relu().backward([g])) - fw:F1}");
        }
    }
}

/// <summary>Probe: the ResNet-18 forward stage by stage (stem, layer1-4), channels-last, train mode (bench/pytorch/probes.py stages).</summary>
internal static class StageProbe
{
    public static void Run(Action<string> log)
    {
        torch.manual_seed(0);
        using var model = new ResNetEncoder(ResNetSpec.ResNet18 with { InChannels = 1 }) { ChannelsLast = true };
        model.train();
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        var conv1 = (TorchSharp.Modules.Conv2d)children["conv1"];
        var bn1 = (TorchSharp.Modules.BatchNorm2d)children["bn1"];
        var layers = new[] { "layer1", "layer2", "layer3", "layer4" }.Select(n => (nn.Module<Tensor, Tensor>)children[n]).ToArray();
        using var x = torch.rand(32, 1, 224, 224);
        for (int rep = 0; rep < 5; rep++)
        {
            using var scope = torch.NewDisposeScope();
            var times = new List<double>();
            var w = Stopwatch.StartNew();
            var h = ChannelsLastConv.Call(conv1, x, 2, 3, true); times.Add(w.Elapsed.TotalMilliseconds); w.Restart();
            h = bn1.call(h).relu_(); times.Add(w.Elapsed.TotalMilliseconds); w.Restart();
            h = nn.functional.max_pool2d(h, 3, 2, 1); times.Add(w.Elapsed.TotalMilliseconds); w.Restart();
            foreach (var l in layers) { h = l.call(h); times.Add(w.Elapsed.TotalMilliseconds); w.Restart(); }
            var m = h.mean([2L, 3L]); times.Add(w.Elapsed.TotalMilliseconds);
            log($"  conv1 {times[0]:F1} bn-relu {times[1]:F1} pool {times[2]:F1} l1 {times[3]:F1} l2 {times[4]:F1} l3 {times[5]:F1} l4 {times[6]:F1} mean {times[7]:F1}; total {times.Sum():F1} ms; out cl {ChannelsLastConv.IsChannelsLast(h)}");
        }
    }
}

