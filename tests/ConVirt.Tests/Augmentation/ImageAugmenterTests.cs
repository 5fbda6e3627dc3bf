using ConVirt.Data.Pipeline;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using Xunit;

namespace ConVirt.Tests.Augmentation;

public class ImageAugmenterTests
{
    private static readonly AugmentationOptions Paper = new();

    [Fact]
    public void SampledParametersStayInsideThePapersRanges()
    {
        var augmenter = new ImageAugmenter(Paper);
        var rng = new Random(11);
        var all = Enumerable.Range(0, 1000).Select(_ => augmenter.Sample(300, 200, rng)).ToList();
        foreach (var p in all)
        {
            Assert.InRange(p.CropRatioX, 0.6, 1.0);
            Assert.Equal(p.CropRatioX, p.CropRatioY);
            Assert.Equal((int)Math.Round(p.CropRatioX * 300), p.CropWidth);
            Assert.Equal((int)Math.Round(p.CropRatioY * 200), p.CropHeight);
            Assert.InRange(p.CropLeft, 0, 300 - p.CropWidth);
            Assert.InRange(p.CropTop, 0, 200 - p.CropHeight);
            Assert.InRange(p.RotationDegrees, -20.0, 20.0);
            Assert.InRange(p.TranslateX, -0.1, 0.1);
            Assert.InRange(p.TranslateY, -0.1, 0.1);
            Assert.InRange(p.Scale, 0.95, 1.05);
            Assert.InRange(p.Brightness, 0.6f, 1.4f);
            Assert.InRange(p.Contrast, 0.6f, 1.4f);
            Assert.InRange(p.BlurSigma, 0.1f, 3.0f);
        }
        // The draws cover their ranges (uniform: 1000 draws come within 2 % of both ends).
        Assert.True(all.Min(p => p.CropRatioX) < 0.61 && all.Max(p => p.CropRatioX) > 0.99);
        Assert.True(all.Min(p => p.RotationDegrees) < -19 && all.Max(p => p.RotationDegrees) > 19);
        Assert.InRange(all.Count(p => p.Flip), 430, 570);
    }

    [Fact]
    public void IndependentCropSidesDrawTwoRatios()
    {
        var augmenter = new ImageAugmenter(Paper with { CropSidesIndependent = true });
        var rng = new Random(5);
        var all = Enumerable.Range(0, 200).Select(_ => augmenter.Sample(100, 100, rng)).ToList();
        Assert.All(all, p => Assert.InRange(p.CropRatioY, 0.6, 1.0));
        Assert.True(all.Count(p => p.CropRatioX != p.CropRatioY) > 190);
    }

    [Fact]
    public void NoneWithOutputAtSourceSizeReproducesTheImage()
    {
        var img = AugmentationTestImages.Random(32, 32, 7);
        var view = new ImageAugmenter(AugmentationOptions.None.WithOutputSize(32)).Apply(img, new Random(1));
        for (int i = 0; i < view.Length; i++) Assert.Equal(img.Pixels[i], view[i], 1e-5f);
    }

    [Fact]
    public void RotationIsCounterClockwiseAsDisplayed()
    {
        // A dot right of the centre pixel (4, 4) moves above it after +90 degrees.
        var img = GrayImage.Filled(9, 9, 0f);
        img.Pixels[4 * 9 + 6] = 1f;
        var view = new float[81];
        ImageAugmenter.SampleGeometry(img, AugmentationParameters.Identity(9, 9) with { RotationDegrees = 90 }, 9, view);
        Assert.Equal(1f, view[2 * 9 + 4], 1e-5f);
        Assert.Equal(1f, view.Sum(), 1e-4f);
    }

    [Fact]
    public void TranslationShiftsByTheFractionOfTheCropAndFillsBlack()
    {
        var img = AugmentationTestImages.Ramp(20, 10);
        var view = new float[400];
        // A 20 x 20 view of the left 20 x 10 ... use a square crop: 10 x 10 at (5, 0), shifted right by 0.2 * 10 = 2.
        var p = new AugmentationParameters(0.5, 1, 5, 0, 10, 10, false, 0, 0.2, 0, 1, 1, 1, 0);
        var small = new float[100];
        ImageAugmenter.SampleGeometry(img, p, 10, small);
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                Assert.Equal(x < 2 ? 0f : img[5 + x - 2, y], small[y * 10 + x], 1e-5f);
        Assert.Equal(400, view.Length);
    }

    [Fact]
    public void ZoomingOutLeavesBlackCornersAndKeepsTheCentre()
    {
        var img = GrayImage.Filled(40, 40, 0.8f);
        var view = new float[40 * 40];
        ImageAugmenter.SampleGeometry(img, AugmentationParameters.Identity(40, 40) with { Scale = 0.5 }, 40, view);
        Assert.Equal(0f, view[0]);
        Assert.Equal(0f, view[39 * 40 + 39]);
        Assert.Equal(0.8f, view[20 * 40 + 20], 1e-6f);
        // Content covers the central 20 x 20 square: 400 pixels of 0.8.
        Assert.Equal(400 * 0.8f, view.Sum(), 1e-2f);
    }

    [Fact]
    public void CropAndResizeSamplesTheCropRegion()
    {
        // Crop the 8 x 8 block at (4, 6) of a ramp and view it at 8 x 8: exactly those pixels.
        var img = AugmentationTestImages.Ramp(20, 20);
        var p = new AugmentationParameters(0.4, 0.4, 4, 6, 8, 8, false, 0, 0, 0, 1, 1, 1, 0);
        var view = new float[64];
        ImageAugmenter.SampleGeometry(img, p, 8, view);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                Assert.Equal(img[4 + x, 6 + y], view[y * 8 + x], 1e-6f);
    }

    [Fact]
    public void SameSeedSameViewDifferentSeedDifferentView()
    {
        var img = AugmentationTestImages.Random(96, 80, 2);
        var augmenter = new ImageAugmenter(Paper.WithOutputSize(64));
        var a = augmenter.Apply(img, new Random(42));
        var b = augmenter.Apply(img, new Random(42));
        var c = augmenter.Apply(img, new Random(43));
        Assert.Equal(a, b);
        Assert.True(a.Zip(c).Count(t => t.First != t.Second) > a.Length / 2);
    }

    [Fact]
    public void ApplyWritesIntoABatchSliceAndEqualsRenderOfTheSampledParameters()
    {
        var img = AugmentationTestImages.Random(50, 60, 9);
        var augmenter = new ImageAugmenter(Paper.WithOutputSize(24));
        var batch = new float[3 * 24 * 24];
        augmenter.Apply(img, new Random(8), batch.AsSpan(24 * 24, 24 * 24));
        var p = augmenter.Sample(50, 60, new Random(8));
        var expected = new float[24 * 24];
        ImageAugmenter.Render(img, p, 24, expected);
        Assert.Equal(expected, batch.AsSpan(24 * 24, 24 * 24).ToArray());
        Assert.All(batch.Take(24 * 24), v => Assert.Equal(0f, v));
        Assert.All(expected, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void WrongDestinationLengthIsRejected()
    {
        var augmenter = new ImageAugmenter(Paper.WithOutputSize(16));
        var ex = Assert.Throws<ArgumentException>(() => augmenter.Apply(GrayImage.Filled(20, 20, 0.5f), new Random(1), new float[255]));
        Assert.Contains("256", ex.Message);
    }
}
