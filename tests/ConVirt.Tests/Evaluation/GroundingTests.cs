using ConVirt.Cli;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation.Grounding;
using ConVirt.Interop;
using Spectre.Console;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Tests.Evaluation;

/// <summary>Grounding maps: each location's projected feature against u, the overlay files, the verb.</summary>
[Collection(TorchCollection.Name)]
public sealed class GroundingTests
{
    [Fact]
    public void EachCellIsTheCosineOfThatLocationsProjectedFeatureWithU()
    {
        var config = Pipeline.TinyRuns.Config();
        torch.manual_seed(7);
        var model = ConVirt.Interop.ModelFactory.Build(config.Model).Model;
        model.eval();
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(1, 1, 96, 96);
        var u = torch.randn(config.Model.ProjectionDim);
        var map = GroundingMap.Compute(model, x, u);
        Assert.Equal(3, map.GetLength(0));   // 96 / 32
        Assert.Equal(3, map.GetLength(1));

        using var _ = torch.no_grad();
        var features = model.ImageEncoder.FeatureMap(x);
        // the pooled feature h_v is the mean of the map's locations
        var pooled = model.ImageEncoder.call(x);
        Assert.True(features.mean([2L, 3L]).allclose(pooled, rtol: 1e-5, atol: 1e-6));
        // one location at a time, without the batched reshape
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
            {
                var f = features[0, torch.TensorIndex.Colon, r, c].reshape(1, -1);
                var v = model.ImageProjection.call(f)[0];
                double cosine = (v.dot(u) / (v.norm() * u.norm())).item<float>();
                Assert.Equal(cosine, map[r, c], 5);
            }
    }

    [Fact]
    public void TheOverlayInterpolatesBetweenCellCentres()
    {
        var map = new float[,] { { 0, 1 }, { 2, 3 } };
        Assert.Equal(0, GroundingOverlay.Sample(map, 0.25f, 0.25f), 6);     // centre of cell (0, 0)
        Assert.Equal(3, GroundingOverlay.Sample(map, 0.75f, 0.75f), 6);     // centre of cell (1, 1)
        Assert.Equal(1.5, GroundingOverlay.Sample(map, 0.5f, 0.5f), 6);     // the middle: mean of the four
        Assert.Equal(0.5, GroundingOverlay.Sample(map, 0.25f, 0.5f), 6);    // between (0, 0) and (0, 1)
    }

    [Fact]
    public void TheVerbWritesAnOverlayAndTheRawMapForOneImageAndForAManifest()
    {
        var dir = Pipeline.TinyRuns.TempFolder("ground");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 12, 64, seed: 5);
        var run = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run")).Folder;
        var image = Path.Combine(dir, "data", "images", SyntheticDataset.IdOf(0) + ".png");
        var png = Path.Combine(dir, "one.png");

        var (code, output) = Run("ground", "--encoder", run, "--image", image, "--text", "small left pleural effusion", "--out", png, "--image-size", "128");
        Assert.Equal(0, code);
        Assert.Contains("4x4 map", output);
        using (var bitmap = SkiaSharp.SKBitmap.Decode(png))
        {
            Assert.Equal(448 + 70 + 20, bitmap.Width);
            Assert.Equal(448 + 40 + 20, bitmap.Height);
        }
        var csv = File.ReadAllLines(Path.ChangeExtension(png, ".csv"));
        Assert.Equal(4, csv.Length);
        Assert.All(csv, l => Assert.All(l.Split(','), v => Assert.InRange(double.Parse(v, System.Globalization.CultureInfo.InvariantCulture), -1, 1)));

        var texts = Path.Combine(dir, "texts.txt");
        File.WriteAllLines(texts, ["pleural effusion", "{\"text\": \"pneumothorax\"}"]);
        (code, output) = Run("ground", "--encoder", run, "--data", manifest, "--texts", texts, "--max-images", "3", "--out", Path.Combine(dir, "maps"), "--image-size", "64");
        Assert.Equal(0, code);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(dir, "maps"), "*.png").Length);
        Assert.True(File.Exists(Path.Combine(dir, "maps", SyntheticDataset.IdOf(2) + "__1.csv")));

        (code, output) = Run("ground", "--encoder", "imagenet", "--image", image, "--text", "x", "--out", png);
        Assert.NotEqual(0, code);
        Assert.Contains("has no text tower", output);
    }

    static (int Code, string Output) Run(params string[] args) => ConVirt.Tests.Cli.CliRunner.Run(args);
}
