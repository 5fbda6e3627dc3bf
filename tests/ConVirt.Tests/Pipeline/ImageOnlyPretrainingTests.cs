using ConVirt.Configuration;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using ConVirt.Interop;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Tests.Pipeline;

/// <summary>SimCLR and MoCo v2 train through the same trainer and their run folders load as encoders.</summary>
[Collection(TorchCollection.Name)]
public sealed class ImageOnlyPretrainingTests
{
    [Theory]
    [InlineData("simclr")]
    [InlineData("mocov2")]
    public void ImageOnlyMethodsTrainAndTheirRunsAreEncoders(string method)
    {
        var data = TinyRuns.TempFolder(method + "-data");
        SyntheticDataset.Write(data, 40, 32, seed: 6);
        var config = TinyRuns.Config(imageSize: 32, batch: 8, epochs: 1) with
        {
            Method = method,
            Loss = new LossOptions { Temperature = method == "mocov2" ? 0.2 : 0.1, QueueSize = 16, Momentum = 0.9 },
        };
        var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(Path.Combine(data, "manifest.jsonl")));
        Assert.Null(prepared.Tokenizer);
        var before = prepared.Objective.Module.named_parameters().First(p => p.name == "image_encoder.conv1.weight").parameter.detach().clone();
        var run = TinyRuns.TempFolder(method + "-run");
        var result = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, run).Run(resume: false);
        Assert.Equal(StopReason.Completed, result.StopReason);
        Assert.Equal(4, result.State.Step);                       // 32 training rows / 8
        var after = prepared.Objective.Module.named_parameters().First(p => p.name == "image_encoder.conv1.weight").parameter;
        Assert.False(before.equal(after).all().ToBoolean(), "the image encoder did not move");
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.Contains(metrics, l => l.Contains("\"loss\":", StringComparison.Ordinal) && !l.Contains("NaN", StringComparison.Ordinal));

        var loaded = EncoderLoader.Load(run);
        Assert.Null(loaded.Model);
        var reloaded = loaded.Image.named_parameters().First(p => p.name == "conv1.weight").parameter;
        var best = SafeTensors.Read(Path.Combine(run, "best", "model.safetensors"))["image_encoder.conv1.weight"];
        Assert.True(best.equal(reloaded).all().ToBoolean());
    }
}
