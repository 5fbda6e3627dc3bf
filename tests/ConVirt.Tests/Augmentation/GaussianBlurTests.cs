using ConVirt.Data.Augmentation;
using Xunit;

namespace ConVirt.Tests.Augmentation;

public class GaussianBlurTests
{
    [Fact]
    public void TinySigmaIsIdentity()
    {
        var img = AugmentationTestImages.Random(23, 17, 1);
        var blurred = (float[])img.Pixels.Clone();
        GaussianBlur.Apply(blurred, 23, 17, 1e-4f);
        for (int i = 0; i < blurred.Length; i++) Assert.Equal(img.Pixels[i], blurred[i], 1e-6f);
    }

    [Fact]
    public void ConstantImageStaysConstantUpToTheBorders()
    {
        var p = new float[30 * 20];
        Array.Fill(p, 0.37f);
        GaussianBlur.Apply(p, 30, 20, 3.0f);
        foreach (float v in p) Assert.Equal(0.37f, v, 1e-6f);
    }

    [Theory]
    [InlineData(0.7f)]
    [InlineData(1.5f)]
    [InlineData(3.0f)]
    public void ImpulseKeepsItsSumAndSpreadsWithVarianceSigmaSquared(float sigma)
    {
        const int n = 41, c = 20;
        var p = new float[n * n];
        p[c * n + c] = 1f;
        GaussianBlur.Apply(p, n, n, sigma);
        double sum = 0, mx = 0, my = 0;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                double w = p[y * n + x];
                sum += w;
                mx += w * (x - c) * (x - c);
                my += w * (y - c) * (y - c);
            }
        Assert.Equal(1.0, sum, 1e-4);
        // Truncation at 3 sigma lowers the variance by about 2.7 %; sampling adds a little at small sigma.
        Assert.InRange(mx / sum, 0.95 * sigma * sigma, 1.05 * sigma * sigma);
        Assert.InRange(my / sum, 0.95 * sigma * sigma, 1.05 * sigma * sigma);
        Assert.Equal(mx, my, 1e-5);
    }

    [Fact]
    public void KernelHasRadiusCeilThreeSigmaAndSumsToOne()
    {
        var k = GaussianBlur.CreateKernel(1.2f);
        Assert.Equal(2 * 4 + 1, k.Length);
        Assert.Equal(1.0, k.Sum(v => (double)v), 1e-6);
        Assert.Equal(MathF.Exp(-1f / (2 * 1.2f * 1.2f)), k[5] / k[4], 1e-5f);
    }

    [Fact]
    public void BorderUsesReflectPaddingWithoutRepeatingTheEdge()
    {
        // Radius-2 kernel k[0..4]; out[x] = sum_j k[j] * row[reflect(x + j - 2)], reflect(-1) = 1, reflect(-2) = 2.
        var k = GaussianBlur.CreateKernel(0.5f);
        Assert.Equal(5, k.Length);
        var edge = new float[] { 1, 0, 0, 0, 0 };
        GaussianBlur.Apply(edge, 5, 1, 0.5f);
        Assert.Equal(k[2], edge[0], 1e-6f);   // edge-repeating padding would give k[1] + k[2]
        Assert.Equal(k[1], edge[1], 1e-6f);
        Assert.Equal(k[0], edge[2], 1e-6f);
        var second = new float[] { 0, 1, 0, 0, 0 };
        GaussianBlur.Apply(second, 5, 1, 0.5f);
        Assert.Equal(k[1] + k[3], second[0], 1e-6f); // pixel 1 is read at offsets -1 and +1 of pixel 0
    }

    [Theory]
    [InlineData(-1, 5, 1)]
    [InlineData(-2, 5, 2)]
    [InlineData(5, 5, 3)]
    [InlineData(6, 5, 2)]
    [InlineData(3, 1, 0)]
    public void ReflectIndex(int i, int n, int expected) => Assert.Equal(expected, GaussianBlur.Reflect(i, n));
}
