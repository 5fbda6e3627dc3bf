using ConVirt.Interop;
using System.Diagnostics;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>Profiling aid: the Adam step alone (gradients from one real backward), and its memory traffic.</summary>
internal static class OptimizerProbe
{
    public static (Stats StepSeconds, long Elements, int Tensors) Run(StepConfig sc, int size, int reps)
    {
        torch.manual_seed(0);
        var model = ModelFactory.CreateRandom(sc.Config.Model);
        model.train();
        var (optimizer, counts) = OptimizerFactory.CreateAdam(model, 1e-4, 1e-6);
        var (images, ids, mask) = TrainStepBench.SyntheticInputs(8, size, 24);
        using (var scope = torch.NewDisposeScope())
        {
            var (v, u) = model.call(images, ids, mask);
            new ConVirtLoss().Compute(v, u).Total.backward();
        }
        var times = new List<double>();
        for (int i = 0; i < reps + 1; i++)
        {
            var w = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope()) optimizer.step();
            if (i > 0) times.Add(w.Elapsed.TotalSeconds);
        }
        model.Dispose();
        return (Stats.Of(times), counts.DecayElements + counts.NoDecayElements, counts.Decay + counts.NoDecay);
    }
}
