using ConVirt.Data.Augmentation;
using Xunit;

namespace ConVirt.Tests.Augmentation;

public class AugmentationOptionsTests
{
    [Fact]
    public void DefaultsAreThePapersValues()
    {
        var o = new AugmentationOptions();
        Assert.Equal((0.6, 1.0, 0.5, 20.0, 0.1, 0.95, 1.05), (o.CropRatioMin, o.CropRatioMax, o.FlipProbability, o.RotationDegrees, o.Translate, o.ScaleMin, o.ScaleMax));
        Assert.Equal((0.4, 0.4, 0.1, 3.0, 1.0, 224), (o.Brightness, o.Contrast, o.BlurSigmaMin, o.BlurSigmaMax, o.BlurProbability, o.OutputSize));
        Assert.Same(o, o.Validate());
        Assert.Same(AugmentationOptions.None, AugmentationOptions.None.Validate());
    }

    [Theory]
    [InlineData("CropRatioMin", "got 0")]
    [InlineData("CropRatioMax", "got 0.5")]
    [InlineData("Brightness", "got NaN")]
    [InlineData("BlurSigmaMax", "got 0.05")]
    [InlineData("OutputSize", "got 0")]
    public void ValidateNamesTheBadValue(string name, string got)
    {
        var o = name switch
        {
            "CropRatioMin" => new AugmentationOptions(CropRatioMin: 0),
            "CropRatioMax" => new AugmentationOptions(CropRatioMax: 0.5),
            "Brightness" => new AugmentationOptions(Brightness: double.NaN),
            "BlurSigmaMax" => new AugmentationOptions(BlurSigmaMax: 0.05),
            _ => new AugmentationOptions(OutputSize: 0),
        };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => o.Validate());
        Assert.Equal(name, ex.ParamName);
        Assert.Contains($"AugmentationOptions.{name}", ex.Message);
        Assert.Contains(got, ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmenter(o));
    }
}
