using ConVirt.Training;

namespace ConVirt.Tests.Training;

public sealed class PlateauScheduleTests
{
    [Fact]
    public void HalvesAfterPatienceBadEpochsAndStopsAfterStopPatience()
    {
        // patience 2 (PyTorch semantics: the 3rd bad epoch in a row reduces), stop after 5 bad epochs
        var s = new PlateauSchedule(LearningRate: 1e-4, Factor: 0.5, Patience: 2, StopPatience: 5);
        s = s.Observe(1.0);                       // best
        Assert.True(s.LastWasBest);
        Assert.Equal(1e-4, s.LearningRate);
        s = s.Observe(1.0);                       // bad 1 (equal is not better)
        s = s.Observe(1.2);                       // bad 2
        Assert.Equal(1e-4, s.LearningRate);
        s = s.Observe(1.1);                       // bad 3 -> reduce
        Assert.Equal(5e-5, s.LearningRate, 12);
        Assert.False(s.ShouldStop);
        s = s.Observe(1.1);                       // bad 4
        Assert.False(s.ShouldStop);
        s = s.Observe(1.1);                       // bad 5 -> stop
        Assert.True(s.ShouldStop);
        Assert.Equal(1.0, s.BestLoss);
    }

    [Fact]
    public void ImprovementResetsCountersAndKeepsTheReducedRate()
    {
        var s = new PlateauSchedule(1.0, 0.5, Patience: 0, StopPatience: 10).Observe(2.0).Observe(3.0);
        Assert.Equal(0.5, s.LearningRate);        // patience 0: first bad epoch reduces
        s = s.Observe(1.5);
        Assert.True(s.LastWasBest);
        Assert.Equal(0, s.EpochsSinceBest);
        Assert.Equal(0.5, s.LearningRate);
        Assert.True(s.Observe(double.NaN).ShouldStop);
    }
}
