using Xunit;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

public class BootstrapIntervalTests
{
    [Fact]
    public void EqualValuesGiveAZeroWidthInterval()
    {
        var (mean, low, high) = BootstrapInterval.Mean95([0.85, 0.85, 0.85, 0.85, 0.85]);
        Assert.Equal(0.85, mean, 15);
        Assert.Equal(mean, low);
        Assert.Equal(mean, high);
    }

    [Fact]
    public void TwoValuesGiveBoundsAtTheExtremes()
    {
        // Resampling {0, 1} twice gives means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4. With 2000 resamples
        // about 500 means are 0 and about 500 are 1, far more than the 50 below the 2.5th and the 50 above the
        // 97.5th percentile, so the bounds are exactly min = 0 and max = 1.
        var interval = BootstrapInterval.Mean95([0.0, 1.0], resamples: 2000, seed: 3);
        Assert.Equal(new MeanInterval(0.5, 0.0, 1.0), interval);
    }

    [Fact]
    public void IntervalIsSeededAndBracketsTheMean()
    {
        double[] values = [0.81, 0.84, 0.79, 0.86, 0.83];
        var a = BootstrapInterval.Mean95(values, seed: 7);
        Assert.Equal(a, BootstrapInterval.Mean95(values, seed: 7));
        Assert.Equal(0.826, a.Mean, 12);
        Assert.InRange(a.Low, 0.79, a.Mean);
        Assert.InRange(a.High, a.Mean, 0.86);
        Assert.True(a.High - a.Low > 0.01);
    }

    [Fact]
    public void EmptyInputIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => BootstrapInterval.Mean95([]));
        Assert.StartsWith("The bootstrap needs at least one value.", e.Message);
    }
}
