using ConVirt.Data.Synthetic;

namespace ConVirt.Tests.Api;

/// <summary>Pretraining as a call: the run folder, the reports, the stop reason and the encoder it returns.</summary>
[Collection(TorchCollection.Name)]
public sealed class ConVirtPretrainingTests
{
    [Fact]
    public void RunTrainsReportsAndReturnsTheEncoder()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-pretrain");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 16, 32, seed: 6);
        var reports = new List<PretrainingProgress>();
        var options = new PretrainingOptions
        {
            TrainManifest = manifest, RunFolder = Path.Combine(dir, "run"), ImageSize = 32, BatchSize = 4, Epochs = 1, MaxSteps = 2, Seed = 3,
        };

        var result = ConVirtPretraining.Run(options, new Collect(reports));

        using var encoder = result.Encoder;
        Assert.Equal(PretrainingStopReason.StepLimit, result.StopReason);
        Assert.Equal(2, result.Steps);
        Assert.Equal(Path.GetFullPath(options.RunFolder), result.RunFolder);
        Assert.True(encoder.HasTextEncoder);
        Assert.Equal(PretrainingMethod.ConVirt, encoder.Method);
        Assert.Equal(32, encoder.Options.ImageSize);
        Assert.Contains(reports, r => r.Kind == PretrainingProgressKind.Message && r.Message is not null);
        Assert.All(reports.Where(r => r.Kind == PretrainingProgressKind.Step), r => Assert.True(double.IsFinite(r.Loss), $"step {r.Step}: loss {r.Loss}"));
        Assert.DoesNotContain(reports, r => r.Message?.Contains("effusion", StringComparison.OrdinalIgnoreCase) == true);   // never report text

        // the returned encoder is the run folder's: the same vectors as loading the folder afterwards
        var image = ConVirt.Data.Manifest.Load(manifest).Rows[0].ImagePath;
        using var reloaded = ConVirtEncoder.Load(options.RunFolder, new EncoderOptions { ImageSize = 32 });
        Assert.Equal(reloaded.EmbedImages([image], EmbeddingKind.Projected)[0], encoder.EmbedImages([image], EmbeddingKind.Projected)[0]);
    }

    [Fact]
    public void ACancelledRunThrowsAndBadOptionsAreNamed()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-pretrain-cancel");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 8, 32, seed: 7);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ConVirtPretraining.Run(
            new PretrainingOptions { TrainManifest = manifest, RunFolder = Path.Combine(dir, "run"), ImageSize = 32, BatchSize = 4, Epochs = 1 }, null, cancelled.Token));
        var e = Assert.Throws<ArgumentException>(() => ConVirtPretraining.Run(new PretrainingOptions { TrainManifest = manifest, RunFolder = " " }));
        Assert.StartsWith("PretrainingOptions.RunFolder is empty", e.Message);
    }

    private sealed class Collect(List<PretrainingProgress> into) : IProgress<PretrainingProgress>
    {
        public void Report(PretrainingProgress value) => into.Add(value);
    }
}
