using Xunit;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Evaluation;

public class LabelFractionSamplerTests
{
    [Fact]
    public void WithoutPatientsEachClassKeepsItsRoundedShare()
    {
        // 500 / 300 / 200 examples, 10% -> exactly 50 / 30 / 20, distinct and ascending.
        var labels = Enumerable.Repeat(0, 500).Concat(Enumerable.Repeat(1, 300)).Concat(Enumerable.Repeat(2, 200)).ToArray();
        var random = new Random(1);
        random.Shuffle(labels);
        var chosen = LabelFractionSampler.Stratified(labels, null, 0.1, seed: 2);
        Assert.Equal(100, chosen.Length);
        Assert.Equal(chosen.Order().Distinct(), chosen);
        Assert.Equal([50, 30, 20], Enumerable.Range(0, 3).Select(c => chosen.Count(i => labels[i] == c)));
    }

    [Fact]
    public void OnePercentOfASmallSetKeepsOneExamplePerClass()
    {
        // 40 / 8 / 2 examples: 1% rounds to 0 for every class, but each class present keeps one example.
        var labels = Enumerable.Repeat(0, 40).Concat(Enumerable.Repeat(1, 8)).Concat(Enumerable.Repeat(2, 2)).ToArray();
        var chosen = LabelFractionSampler.Stratified(labels, null, 0.01, seed: 0);
        Assert.Equal([1, 1, 1], Enumerable.Range(0, 3).Select(c => chosen.Count(i => labels[i] == c)));

        var patients = labels.Select((_, i) => $"p{i / 2}").ToArray(); // two images per patient
        var byPatient = LabelFractionSampler.Stratified(labels, patients, 0.01, seed: 0);
        Assert.All(Enumerable.Range(0, 3), c => Assert.Contains(byPatient, i => labels[i] == c));
    }

    [Fact]
    public void PatientsAreNeverSplitAndClassSharesStayClose()
    {
        var (labels, patients) = Patients(seed: 3);
        var chosen = LabelFractionSampler.Stratified(labels, patients, 0.2, seed: 4).ToHashSet();
        foreach (var patient in patients.Distinct())
        {
            var images = Enumerable.Range(0, labels.Length).Where(i => patients[i] == patient).ToArray();
            Assert.True(images.All(chosen.Contains) || !images.Any(chosen.Contains), $"patient {patient} is split");
        }
        for (int c = 0; c < 3; c++)
        {
            double share = (double)chosen.Count(i => labels[i] == c) / labels.Count(l => l == c);
            Assert.InRange(share, 0.15, 0.25);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameSubsetAndAnotherSeedAnother()
    {
        var (labels, patients) = Patients(seed: 5);
        var a = LabelFractionSampler.Stratified(labels, patients, 0.1, seed: 6);
        Assert.Equal(a, LabelFractionSampler.Stratified(labels, patients, 0.1, seed: 6));
        Assert.NotEqual(a, LabelFractionSampler.Stratified(labels, patients, 0.1, seed: 7));
    }

    [Fact]
    public void FractionOneKeepsEverythingAndZeroIsRejected()
    {
        Assert.Equal([0, 1, 2], LabelFractionSampler.Stratified([2, 0, 2], null, 1.0, seed: 0));
        var e = Assert.Throws<ArgumentException>(() => LabelFractionSampler.Stratified([0, 1], null, 0, seed: 0));
        Assert.StartsWith("fraction is 0; it must be in (0, 1].", e.Message);
    }

    /// <summary>400 patients with 1-4 images each; a patient's images share its class 90% of the time.</summary>
    static (int[] Labels, string[] Patients) Patients(int seed)
    {
        var random = new Random(seed);
        var labels = new List<int>();
        var patients = new List<string>();
        for (int p = 0; p < 400; p++)
        {
            int patientClass = random.NextDouble() switch { < 0.5 => 0, < 0.8 => 1, _ => 2 };
            int images = random.Next(1, 5);
            for (int k = 0; k < images; k++)
            {
                labels.Add(random.NextDouble() < 0.9 ? patientClass : random.Next(3));
                patients.Add($"patient-{p:D3}");
            }
        }
        // Interleave patients' images so grouping cannot rely on adjacency.
        var order = Enumerable.Range(0, labels.Count).ToArray();
        random.Shuffle(order);
        return (order.Select(i => labels[i]).ToArray(), order.Select(i => patients[i]).ToArray());
    }
}
