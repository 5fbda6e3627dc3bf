using System.Diagnostics;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>Probe: forward and backward time of the image tower alone (ResNet, batch 32, 224 px, train mode).</summary>
internal static class TowerProbe
{
    public static void Run(Action<string> log, int reps)
    {
        foreach (var arch in new[] { "resnet18", "resnet50" })
            foreach (var variant in new[] { "nchw", "copies", "stored" })
            {
                torch.manual_seed(0);
                var spec = (arch == "resnet50" ? ResNetSpec.ResNet50 : ResNetSpec.ResNet18) with { InChannels = 1 };
                using var model = new ResNetEncoder(spec) { ChannelsLast = variant == "copies" };
                if (variant == "stored") LayoutBench.ConvertWeights(model);
                model.train();
                using var x0 = torch.rand(32, 1, 224, 224);
                using var x = variant == "stored" ? ChannelsLastConv.ToChannelsLast(x0) : x0.alias();
                var f = new List<double>(); var b = new List<double>();
                for (int i = 0; i < reps + 2; i++)
                {
                    using var scope = torch.NewDisposeScope();
                    model.zero_grad();
                    var w = Stopwatch.StartNew();
                    var s = model.forward(x).sum();
                    double t1 = w.Elapsed.TotalSeconds;
                    s.backward();
                    double t2 = w.Elapsed.TotalSeconds;
                    if (i >= 2) { f.Add(t1); b.Add(t2 - t1); }
                }
                log($"  {arch} {variant}: forward {Stats.Of(f).Show("F3", " s")}, backward {Stats.Of(b).Show("F3", " s")}");
            }
    }
}
