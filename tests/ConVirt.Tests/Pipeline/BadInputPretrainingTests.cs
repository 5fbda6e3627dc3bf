using System.Text;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Synthetic;
using ConVirt.Training;

namespace ConVirt.Tests.Pipeline;

/// <summary>Every kind of bad row is skipped and counted before training; training then runs without a crash.</summary>
[Collection(TorchCollection.Name)]
public sealed class BadInputPretrainingTests
{
    [Fact]
    public void BadRowsAreSkippedWithFileAndLineAndTrainingRuns()
    {
        var dir = TinyRuns.TempFolder("bad-input");
        SyntheticDataset.Write(dir, 20, 40, seed: 9);
        var manifest = Path.Combine(dir, SyntheticDataset.ManifestFileName);
        var good = File.ReadAllLines(manifest).Where(l => l.Contains("\"split\":\"train\"", StringComparison.Ordinal)).Take(12).ToList();
        Assert.Equal(12, good.Count);
        var images = Path.Combine(dir, "images");
        File.WriteAllBytes(Path.Combine(images, "zero.png"), []);
        File.WriteAllBytes(Path.Combine(images, "corrupt.png"), Encoding.ASCII.GetBytes("this is not a png at all"));
        var real = File.ReadAllBytes(Directory.GetFiles(images, "synth-*.png")[0]);
        File.WriteAllBytes(Path.Combine(images, "truncated.png"), real.AsSpan(0, real.Length / 3).ToArray());
        File.WriteAllBytes(Path.Combine(images, "tiny.png"), GrayPngWriter.Encode(GrayImage.Filled(1, 1, 0.5f)));
        string Row(string id, string image, string text) => $"{{\"id\":\"{id}\",\"image\":\"{image}\",\"text\":\"{text}\",\"split\":\"train\",\"labels\":{{\"finding\":\"normal\"}}}}";
        var lines = new List<string>(good)
        {
            Row("missing", "images/nope.png", "Lungs are clear."),            // 13: file not found
            Row("zero", "images/zero.png", "Lungs are clear."),               // 14: zero-byte
            Row("corrupt", "images/corrupt.png", "Lungs are clear."),         // 15: not an image
            Row("truncated", "images/truncated.png", "Lungs are clear."),     // 16: truncated
            Row("outside", "../outside.png", "Lungs are clear."),              // 17: outside the folder, no such file
            "{ this is not json",                                              // 18: malformed
            Row("empty", "images/tiny.png", "   "),                            // 19: empty text
            Row("tiny", "images/tiny.png", "Heart size is normal."),           // 20: 1x1 image: kept (resized)
            Row("missing", "images/tiny.png", "Duplicate id."),                // 21: duplicate id
        };
        File.WriteAllLines(manifest, lines);
        var bytes = File.ReadAllBytes(manifest).ToList();
        // 22: text that is not UTF-8
        bytes.AddRange(Encoding.ASCII.GetBytes("{\"id\":\"latin1\",\"image\":\"images/tiny.png\",\"text\":\"caf"));
        bytes.Add(0xE9);
        bytes.AddRange(Encoding.ASCII.GetBytes("\",\"split\":\"train\"}\n"));
        File.WriteAllBytes(manifest, bytes.ToArray());

        var config = TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1);
        var messages = new List<string>();
        var progress = new SynchronousProgress(p => { if (p.Message is not null) messages.Add(p.Message); });
        var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(manifest, ValidationSplit: null), progress);
        // manifest-level skips (missing, zero-byte, outside, malformed, empty text, duplicate, non-UTF-8) are counted by the reader;
        // decode failures (corrupt, truncated) by the source's checks
        Assert.Contains(messages, m => m.Contains(":13: field 'image'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(":18:", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(":21: field 'id'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(":22: field 'text'", StringComparison.Ordinal));
        Assert.Equal(2, ((PairedBatchSource)prepared.Train).Skipped.Count);
        Assert.Contains(((PairedBatchSource)prepared.Train).Skipped, s => s.Contains(":15: field 'image'", StringComparison.Ordinal));
        Assert.Contains(((PairedBatchSource)prepared.Train).Skipped, s => s.Contains(":16: field 'image'", StringComparison.Ordinal));
        Assert.Equal(13, ((PairedBatchSource)prepared.Train).Examples.Count);                  // 12 good + the 1x1 image
        Assert.DoesNotContain(messages, m => m.Contains("Lungs are clear", StringComparison.Ordinal)); // no report text in logs

        var run = TinyRuns.TempFolder("bad-input-run");
        var result = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, null, run).Run(resume: false);
        Assert.Equal(StopReason.Completed, result.StopReason);
        Assert.Equal(3, result.State.Step);                                // 13 rows / 4 = 3 full batches (+1 row dropped)
        Assert.True(File.Exists(Path.Combine(run, "best", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "metrics.jsonl")));
    }

    [Fact]
    public void AManifestWithNothingUsableIsRefusedBeforeTraining()
    {
        var dir = TinyRuns.TempFolder("nothing");
        var manifest = Path.Combine(dir, "m.jsonl");
        File.WriteAllText(manifest, "{\"id\":\"a\",\"image\":\"nope.png\",\"text\":\"x\"}\n{\"id\":\"b\",\"image\":\"nope2.png\",\"text\":\"y\"}\n");
        var e = Assert.Throws<ManifestException>(() => PretrainingJob.Prepare(TinyRuns.Config(), new PretrainingInputs(manifest)));
        Assert.Contains("m.jsonl", e.Message);
    }

    [Fact]
    public void MissingManifestIsAClearError()
    {
        var e = Assert.Throws<ManifestException>(() => PretrainingJob.Prepare(TinyRuns.Config(), new PretrainingInputs("/nonexistent/manifest.jsonl")));
        Assert.Contains("/nonexistent/manifest.jsonl", e.Message);
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> a) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => a(value);
    }
}
