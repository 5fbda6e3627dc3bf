using ConVirt.Training;
using Xunit.Abstractions;

namespace ConVirt.Tests.Pipeline;

[Collection(TorchCollection.Name)]
public sealed class LearningTests(ITestOutputHelper output)
{
    [Fact]
    public void ShortPretrainingRaisesTextToImagePrecisionWellAboveInitialisation()
    {
        // 300 synthetic pairs at 48 px, a 2-layer BERT and ResNet-18 from random weights, a few epochs on the CPU
        var options = new DemoOptions
        {
            OutputDirectory = TinyRuns.TempFolder("learning"), Cases = 300, GeneratedSize = 64, ImageSize = 48, BatchSize = 16,
            Epochs = 8, ImageWeights = "none", TextWeights = "none", Seed = 4, Ks = [5],
        };
        var config = TinyRuns.Config(imageSize: 48, batch: 16, epochs: 8, lr: 1e-3, seed: 4) with { LogEverySteps = 50 };
        var result = DemoJob.Run(options, config: config);
        output.WriteLine($"P@5 before {result.TextToImageBefore[0]:F3}, after {result.TextToImageAfter[0]:F3}, chance {result.ChanceLevel:F3}, steps {result.Training.State.Step}");
        Assert.True(result.TextToImageAfter[0] >= result.TextToImageBefore[0] + 0.25,
            $"precision@5 rose from {result.TextToImageBefore[0]:F3} to only {result.TextToImageAfter[0]:F3}");
        Assert.True(result.TextToImageAfter[0] >= result.ChanceLevel + 0.25);
    }
}
