using ConVirt.Evaluation;

namespace ConVirt.Tests.EvaluationJobs;

/// <summary>Display labels tell encoders apart in reports and plots.</summary>
public sealed class EncoderInfoTests
{
    [Theory]
    [InlineData("random", "random")]
    [InlineData("runs/convirt-cxr", "convirt-cxr")]
    [InlineData("runs/convirt-cxr/best", "convirt-cxr/best")]
    [InlineData("runs/convirt-cxr/checkpoints/step-00000300", "convirt-cxr/step-00000300")]
    [InlineData("runs/simclr-mix/checkpoints/step-00000300/", "simclr-mix/step-00000300")]
    [InlineData("exports/cxr.safetensors", "exports/cxr.safetensors")]
    public void LabelNamesTheRun(string name, string label) =>
        Assert.Equal(label, new EncoderInfo(name, "convirt", "resnet18", "imagenet", null).Label);
}
