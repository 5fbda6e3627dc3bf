using ConVirt.Data.Synthetic;
using ConVirt.Interop;
using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Precision;
using ConVirt.Tests.Pipeline;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Precision;

/// <summary>Training runs under bf16: what reads parameters sees float32; the image-only baselines compute under the policy.</summary>
[Collection(TorchCollection.Name)]
public sealed class MixedPrecisionRunTests
{
    static PrecisionPolicy Bf16 => PrecisionPolicy.Create(PrecisionMode.Bf16, "cpu");

    [Fact]
    public void Bf16RunWritesFloat32CheckpointsAndResumes()
    {
        var data = TinyRuns.TempFolder("bf16-run-data");
        SyntheticDataset.Write(data, 40, 40, seed: 4);
        var inputs = new PretrainingInputs(Path.Combine(data, SyntheticDataset.ManifestFileName));
        var config = TinyRuns.Config(imageSize: 32, batch: 8, epochs: 2) with { Precision = PrecisionMode.Bf16, CheckpointEverySteps = 2 };
        var run = TinyRuns.TempFolder("bf16-run");
        var messages = new List<string>();

        var prepared = PretrainingJob.Prepare(config, inputs);
        var first = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, run)
        { MaxSteps = 2, Progress = new SyncProgress(p => { if (p.Message is { } m) messages.Add(m); }) };
        Assert.Equal(PrecisionMode.Bf16, first.Precision.Policy.Mode);
        first.Run(resume: false);
        Assert.Contains(messages, m => m.StartsWith("precision: bf16", StringComparison.Ordinal));
        Assert.Contains("\"precision\": \"bf16\"", File.ReadAllText(Path.Combine(run, "config.json")));

        var checkpoint = new CheckpointStore(run).Latest()!;
        var saved = SafeTensors.Read(Path.Combine(checkpoint, "model.safetensors"));
        Assert.True(saved.Count > 100);
        Assert.All(saved, kv => Assert.True(kv.Value.dtype is ScalarType.Float32 or ScalarType.Int64, $"{kv.Key} saved as {kv.Value.dtype}"));
        Assert.Contains(saved, kv => kv.Value.dtype == ScalarType.Float32);
        Assert.All(prepared.Objective.Module.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        foreach (var t in saved.Values) t.Dispose();

        // resume in a fresh model: loads the float32 checkpoint, keeps training under bf16, weights stay float32 and finite
        var again = PretrainingJob.Prepare(config, inputs);
        var second = new Pretrainer(again.Config, again.Objective, again.Train, again.Validation, run) { MaxSteps = 4 };
        var result = second.Run(resume: true);
        Assert.Equal(4, result.State.Step);
        Assert.Equal(StopReason.StepLimit, result.StopReason);
        foreach (var p in again.Objective.Module.parameters())
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.True(torch.isfinite(p).all().ToBoolean());
        }
        // export reads the same float32 parameters
        var exported = Path.Combine(run, "image.safetensors");
        WeightExport.SaveImageEncoder(((ConVirtObjective)again.Objective).Model.ImageEncoder, exported);
        var back = SafeTensors.Read(exported);
        Assert.All(back, kv => Assert.True(kv.Value.dtype is ScalarType.Float32 or ScalarType.Int64, $"{kv.Key} exported as {kv.Value.dtype}"));
        foreach (var t in back.Values) t.Dispose();
    }

    static double MinRowCosine(Tensor a, Tensor b) => nn.functional.cosine_similarity(a.to(float64), b.to(float64), dim: 1).min().ToDouble();

    [Fact]
    public void MoCoKeyEncoderAndSimClrComputeUnderThePolicy()
    {
        torch.manual_seed(9);
        using var images = torch.rand(4, 1, 32, 32);
        int convs = 20, heads = 4;   // ResNet-18: stem + 16 block convolutions + 3 downsample; two linear layers of the head
        using var moco = new MoCoModel(new ResNetEncoder(ResNetSpec.ResNet18) { ChannelsLast = true }, 64, 32, queueSize: 16, momentum: 0.99, seed: 1);
        moco.eval();
        using var simclr = new SimClrModel(new ResNetEncoder(ResNetSpec.ResNet18), 64, 32);
        simclr.eval();
        using var k32 = moco.Keys(images);
        using var s32 = WithoutGrad(() => simclr.call(images));
        using (var region = Autocast.Enter(Bf16))
        {
            using var k16 = moco.Keys(images);
            Assert.Equal(convs + heads, region.Cache.Casts);   // every key-encoder weight went through the policy
            Assert.Equal(ScalarType.Float32, k16.dtype);
            Assert.True(MinRowCosine(k32, k16) >= 0.999);
            Assert.True((k32 - k16).abs().max().ToDouble() > 0);
        }
        using (var region = Autocast.Enter(Bf16))
        {
            using var s16 = WithoutGrad(() => simclr.call(images));
            Assert.Equal(convs + heads, region.Cache.Casts);
            Assert.True(MinRowCosine(s32, s16) >= 0.999);
        }
    }

    static Tensor WithoutGrad(Func<Tensor> f)
    {
        using var _ = torch.no_grad();
        return f();
    }

    sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
