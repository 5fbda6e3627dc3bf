using ConVirt.Training;
using Xunit.Abstractions;

namespace ConVirt.Tests.Pipeline;

[Collection(TorchCollection.Name)]
public sealed class LearningTests(ITestOutputHelper output)
{
    [Fact]
    public void ShortPretrainingRaisesTextToImagePrecisionWellAboveInitialisation()
    {
        // the demo's model (packaged ImageNet ResNet-18 + MiniLM, cpu-small) on 320 synthetic pairs at 64 px, a few epochs
        var options = new DemoOptions
        {
            OutputDirectory = TinyRuns.TempFolder("learning"), Cases = 320, GeneratedSize = 64, ImageSize = 64, BatchSize = 16,
            Epochs = 12, LearningRate = 3e-4, Seed = 4, Ks = [5],
        };
        var result = DemoJob.Run(options, config: DemoJob.Config(options) with { LogEverySteps = 50 });
        output.WriteLine($"P@5 before {result.TextToImageBefore[0]:F3}, after {result.TextToImageAfter[0]:F3}, chance {result.ChanceLevel:F3}, steps {result.Training.State.Step}");
        Assert.True(result.TextToImageAfter[0] >= result.TextToImageBefore[0] + 0.15,
            $"precision@5 rose from {result.TextToImageBefore[0]:F3} to only {result.TextToImageAfter[0]:F3}");
        Assert.True(result.TextToImageAfter[0] >= result.ChanceLevel + 0.15);
    }
}
