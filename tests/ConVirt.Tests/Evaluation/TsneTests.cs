using Xunit;
using ConVirt.Evaluation;
using static TorchSharp.torch;

namespace ConVirt.Tests.Evaluation;

public class TsneTests
{
    [Fact]
    public void ThreeSeparatedBlobsStaySeparatedInTwoDimensions()
    {
        var (features, labels) = Blobs(perBlob: 20, dimensions: 10, seed: 1);
        var result = Tsne.Embed(features, new TsneOptions(Perplexity: 10, Seed: 2));
        var embedding = result.Embedding;
        Assert.Equal(60, embedding.GetLength(0));
        Assert.Equal(2, embedding.GetLength(1));

        // Leave-one-out 5-nearest-neighbour vote in the embedding recovers every label.
        int correct = 0;
        for (int i = 0; i < 60; i++)
        {
            var vote = Enumerable.Range(0, 60).Where(j => j != i)
                .OrderBy(j => Math.Pow(embedding[i, 0] - embedding[j, 0], 2) + Math.Pow(embedding[i, 1] - embedding[j, 1], 2))
                .Take(5).GroupBy(j => labels[j]).MaxBy(g => g.Count())!.Key;
            if (vote == labels[i]) correct++;
        }
        Assert.Equal(60, correct);
        Assert.True(Tsne.Trustworthiness(features, embedding, 5) > 0.95);

        // KL at iteration 50 (during early exaggeration) is well above the final KL.
        Assert.Equal(50, result.KlHistory[0].Iteration);
        Assert.Equal((1000, result.KlDivergence), result.KlHistory[^1]);
        Assert.True(result.KlDivergence < result.KlHistory[0].Kl - 0.1, $"KL {result.KlHistory[0].Kl} at 50, {result.KlDivergence} at the end");
        Assert.True(result.KlDivergence > 0);
    }

    [Fact]
    public void PerplexitySearchGivesRowEntropyLogPerplexity()
    {
        var random = new Random(3);
        var x = new float[100, 5];
        for (int i = 0; i < 100; i++)
            for (int j = 0; j < 5; j++) x[i, j] = (float)(LogisticRegressionProbeTests.Gaussian(random) * (j + 1));
        using var scope = NewDisposeScope();
        var p = Tsne.ConditionalProbabilities(tensor(x), perplexity: 15);
        var rowSums = p.sum(1).data<double>().ToArray();
        var entropy = (-(p * p.clamp_min(1e-300).log()).sum(1)).data<double>().ToArray();
        var diagonal = p.diagonal().data<double>().ToArray();
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(1.0, rowSums[i], 1e-12);
            Assert.Equal(Math.Log(15), entropy[i], 1e-3);
            Assert.Equal(0.0, diagonal[i]);
        }
    }

    [Fact]
    public void TrustworthinessMatchesScikitLearn()
    {
        var s = SklearnFixture.Section("trustworthiness");
        double t = Tsne.Trustworthiness(SklearnFixture.FloatMatrix(s.GetProperty("high")), SklearnFixture.FloatMatrix(s.GetProperty("low")),
            s.GetProperty("k").GetInt32());
        Assert.Equal(s.GetProperty("value").GetDouble(), t, 1e-12);
    }

    [Fact]
    public void TrustworthinessOfAnExactCopyIsOne()
    {
        var (features, _) = Blobs(perBlob: 10, dimensions: 3, seed: 4);
        Assert.Equal(1.0, Tsne.Trustworthiness(features, features, 4), 15);
    }

    [Fact]
    public void CsvHookWritesTheEmbeddingItReturns()
    {
        var (features, _) = Blobs(perBlob: 8, dimensions: 4, seed: 6);
        var folder = Directory.CreateTempSubdirectory("convirt-tsne-");
        try
        {
            var input = Path.Combine(folder.FullName, "features.csv");
            var output = Path.Combine(folder.FullName, "embedding.csv");
            File.WriteAllLines(input, Enumerable.Range(0, 24).Select(i =>
                string.Join(',', Enumerable.Range(0, 4).Select(j => features[i, j].ToString("R", System.Globalization.CultureInfo.InvariantCulture)))));
            var result = TsneComparison.Run(input, output, new TsneOptions(Perplexity: 5, Iterations: 300));
            var lines = File.ReadAllLines(output);
            Assert.Equal(24, lines.Length);
            for (int i = 0; i < 24; i++)
            {
                var parts = lines[i].Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.Equal([result.Embedding[i, 0], result.Embedding[i, 1]], parts);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Gaussian blobs (sd 1) centred at 8·e_c for c = 0, 1, 2.</summary>
    static (float[,] Features, int[] Labels) Blobs(int perBlob, int dimensions, int seed)
    {
        var random = new Random(seed);
        int n = 3 * perBlob;
        var features = new float[n, dimensions];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < dimensions; j++)
                features[i, j] = (float)((j == labels[i] ? 8 : 0) + LogisticRegressionProbeTests.Gaussian(random));
        }
        return (features, labels);
    }
}
