using ConVirt.Data;
using ConVirt.Data.Augmentation;
using Xunit;

namespace ConVirt.Tests.Augmentation;

public class EvalTransformTests
{
    private static GrayImage MarkedColumns(int width, int height, params int[] columns)
    {
        var img = GrayImage.Filled(width, height, 0.25f);
        foreach (int c in columns)
            for (int y = 0; y < height; y++) img.Pixels[y * width + c] = 1f;
        return img;
    }

    [Fact]
    public void WideImageAtTargetHeightIsCentreCropped()
    {
        // 448 x 224 -> no resize, crop columns 112..335: source column 300 lands at output column 188.
        var output = new EvalTransform(224).Apply(MarkedColumns(448, 224, 300));
        for (int y = 0; y < 224; y += 37)
        {
            Assert.Equal(1f, output[y * 224 + 188]);
            Assert.Equal(0.25f, output[y * 224 + 187]);
            Assert.Equal(0.25f, output[y * 224 + 189]);
        }
        Assert.Equal(224 * 0.25f * 223 + 224, output.Sum(), 0.05f);
    }

    [Fact]
    public void ShrinkingByTwoAveragesBoxesThenCrops()
    {
        // 448 x 224 -> 224 x 112 (2 x 2 boxes), crop left = 56: source columns 300-301 -> box 150 -> column 94.
        var output = new EvalTransform(112).Apply(MarkedColumns(448, 224, 300, 301));
        for (int y = 0; y < 112; y += 13)
        {
            Assert.Equal(1f, output[y * 112 + 94], 1e-6f);
            Assert.Equal(0.25f, output[y * 112 + 93], 1e-6f);
            Assert.Equal(0.25f, output[y * 112 + 95], 1e-6f);
        }
    }

    [Fact]
    public void TallImageIsCroppedVertically()
    {
        var img = GrayImage.Filled(10, 30, 0f);
        for (int x = 0; x < 10; x++) img.Pixels[12 * 10 + x] = 1f; // row 12 -> output row 2 (top = 10)
        var output = new EvalTransform(10).Apply(img);
        Assert.Equal(1f, output[2 * 10 + 5]);
        Assert.Equal(10f, output.Sum(), 1e-5f);
    }

    [Fact]
    public void ShrinkingAFineCheckerboardDoesNotAlias()
    {
        // Plain bilinear sampling at stride 4 would hit only one colour of a 1-pixel checkerboard.
        var img = GrayImage.Filled(256, 256, 0f);
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++)
                img.Pixels[y * 256 + x] = (x + y) % 2;
        var output = new EvalTransform(64).Apply(img);
        Assert.All(output, v => Assert.Equal(0.5f, v, 1e-6f));
    }

    [Fact]
    public void NoneAugmentationOfASquareImageEqualsEvalTransform()
    {
        foreach (var (side, size) in new[] { (90, 60), (300, 100), (40, 64) })
        {
            var img = AugmentationTestImages.Random(side, side, side);
            var eval = new EvalTransform(size).Apply(img);
            var view = new ImageAugmenter(AugmentationOptions.None.WithOutputSize(size)).Apply(img, new Random(3));
            for (int i = 0; i < eval.Length; i++) Assert.Equal(eval[i], view[i], 1e-5f);
        }
    }

    [Fact]
    public void UpscalingInterpolatesBetweenPixels()
    {
        // 2 x 2 -> 4 x 4 (align_corners = false): output column 1 samples source x = 0.25 of the way from col 0 to 1.
        var img = new GrayImage(2, 2, new[] { 0f, 1f, 0f, 1f });
        var output = new EvalTransform(4).Apply(img);
        Assert.Equal(new[] { 0f, 0.25f, 0.75f, 1f }, output.Take(4).ToArray());
    }
}
