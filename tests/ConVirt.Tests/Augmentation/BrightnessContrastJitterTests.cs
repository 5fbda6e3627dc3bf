using ConVirt.Data.Augmentation;
using Xunit;

namespace ConVirt.Tests.Augmentation;

public class BrightnessContrastJitterTests
{
    [Fact]
    public void FactorsOfOneLeaveThePixelsUnchanged()
    {
        var img = AugmentationTestImages.Random(9, 7, 3);
        var p = (float[])img.Pixels.Clone();
        BrightnessContrastJitter.Apply(p, 1f, 1f);
        Assert.Equal(img.Pixels, p);
    }

    [Fact]
    public void BrightnessHalfHalvesEveryPixel()
    {
        var img = AugmentationTestImages.Random(9, 7, 4);
        var p = (float[])img.Pixels.Clone();
        BrightnessContrastJitter.Apply(p, 0.5f, 1f);
        for (int i = 0; i < p.Length; i++) Assert.Equal(img.Pixels[i] * 0.5f, p[i], 1e-7f);
    }

    [Fact]
    public void BrightnessAboveOneClampsAtWhite()
    {
        var p = new float[] { 0.2f, 0.6f };
        BrightnessContrastJitter.Apply(p, 2f, 1f);
        Assert.Equal(new[] { 0.4f, 1f }, p);
    }

    [Fact]
    public void ContrastBlendsWithTheMeanAndClamps()
    {
        // mean 0.5; factor 2: 2p - 0.5 -> [-0.1, 0.3, 0.7, 1.1] -> clamped [0, 0.3, 0.7, 1].
        var p = new float[] { 0.2f, 0.4f, 0.6f, 0.8f };
        BrightnessContrastJitter.Apply(p, 1f, 2f);
        Assert.Equal(0f, p[0], 1e-6f);
        Assert.Equal(0.3f, p[1], 1e-6f);
        Assert.Equal(0.7f, p[2], 1e-6f);
        Assert.Equal(1f, p[3], 1e-6f);
        // factor 0.5 after brightness 0.5: [0.1, 0.2, 0.3, 0.4] mean 0.25 -> 0.5 p + 0.125.
        var q = new float[] { 0.2f, 0.4f, 0.6f, 0.8f };
        BrightnessContrastJitter.Apply(q, 0.5f, 0.5f);
        Assert.Equal(0.175f, q[0], 1e-6f);
        Assert.Equal(0.325f, q[3], 1e-6f);
    }
}
