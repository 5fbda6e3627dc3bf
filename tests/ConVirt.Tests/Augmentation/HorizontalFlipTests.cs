using ConVirt.Data.Augmentation;
using Xunit;

namespace ConVirt.Tests.Augmentation;

public class HorizontalFlipTests
{
    [Fact]
    public void FlipMovesColumnXToWidthMinusOneMinusX()
    {
        var img = AugmentationTestImages.Ramp(7, 4);
        var p = (float[])img.Pixels.Clone();
        HorizontalFlip.Apply(p, 7, 4);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 7; x++)
                Assert.Equal(img[6 - x, y], p[y * 7 + x]);
        Assert.NotEqual(img.Pixels, p); // the fixture is not mirror-symmetric
    }

    [Fact]
    public void FlipOnlyViewMirrorsTheSourceExactly()
    {
        var img = AugmentationTestImages.Ramp(16, 16);
        var parameters = AugmentationParameters.Identity(16, 16) with { Flip = true };
        var view = new float[16 * 16];
        ImageAugmenter.SampleGeometry(img, parameters, 16, view);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                Assert.Equal(img[15 - x, y], view[y * 16 + x]);
    }
}
