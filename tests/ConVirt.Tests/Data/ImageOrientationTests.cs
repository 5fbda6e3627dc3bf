using ConVirt.Data;
using Xunit;
using SkiaSharp;

namespace ConVirt.Tests.Data;

public sealed class ImageOrientationTests
{
    // Stored 3 wide x 2 tall:
    //   1 2 3
    //   4 5 6
    private static readonly float[] Stored = [1, 2, 3, 4, 5, 6];

    [Theory]
    [InlineData(SKEncodedOrigin.TopLeft, 3, 2, new float[] { 1, 2, 3, 4, 5, 6 })]
    [InlineData(SKEncodedOrigin.TopRight, 3, 2, new float[] { 3, 2, 1, 6, 5, 4 })]      // mirrored left-right
    [InlineData(SKEncodedOrigin.BottomRight, 3, 2, new float[] { 6, 5, 4, 3, 2, 1 })]   // rotated 180
    [InlineData(SKEncodedOrigin.BottomLeft, 3, 2, new float[] { 4, 5, 6, 1, 2, 3 })]    // mirrored top-bottom
    [InlineData(SKEncodedOrigin.LeftTop, 2, 3, new float[] { 1, 4, 2, 5, 3, 6 })]       // transposed
    [InlineData(SKEncodedOrigin.RightTop, 2, 3, new float[] { 4, 1, 5, 2, 6, 3 })]      // rotated 90 clockwise
    [InlineData(SKEncodedOrigin.RightBottom, 2, 3, new float[] { 6, 3, 5, 2, 4, 1 })]   // transverse
    [InlineData(SKEncodedOrigin.LeftBottom, 2, 3, new float[] { 3, 6, 2, 5, 1, 4 })]    // rotated 90 counter-clockwise
    public void EachOrientationMapsPixelsAsDisplayed(SKEncodedOrigin origin, int width, int height, float[] expected)
    {
        var image = ImageOrientation.Apply((float[])Stored.Clone(), 3, 2, origin);

        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(expected, image.Pixels);
    }
}
