using ConVirt.Training;
using System.Security.Cryptography;
using System.Text.Json;
using ConVirt.Data.Text;
using ConVirt.Evaluation;
using ConVirt.Export;
using ConVirt.Samples.OnnxEncoder;
using ConVirt.Tests.Cli;
using ConVirt.Tests.Pipeline;
using TorchSharp;
using Xunit.Abstractions;
using static ConVirt.Tests.Export.ExportFixtures;

namespace ConVirt.Tests.Export;

/// <summary>
/// <c>convirt export --format onnx</c> on a run folder (torchvision ResNet-18 + a 2-layer BERT): the files, the model
/// card (SHA-256 of each file, tokenizer, data summary), outputs against TorchSharp, replacement of an earlier export,
/// and refusals (bad --format, a folder that is not an export, a text tower the encoder lacks).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OnnxExportCommandTests(ITestOutputHelper output) : IDisposable
{
    const int Size = 64;
    readonly string dir = Directory.CreateTempSubdirectory("convirt-onnx-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    /// <summary>RUN/config.json, RUN/best/{model.safetensors, config.json, trainer.json}, RUN/metrics.jsonl with a torn last line.</summary>
    string RunFolder()
    {
        var run = Path.Combine(dir, "run");
        var (best, _, _) = TinyCheckpoint.Save(Path.Combine(run, "best"), seed: 21);
        var config = TinyRuns.Config(imageSize: Size);
        File.WriteAllText(Path.Combine(best, "config.json"), config.ToJson());
        File.WriteAllText(Path.Combine(run, "config.json"), config.ToJson());
        File.WriteAllText(Path.Combine(best, "trainer.json"),
            """{"epoch": 3, "nextBatch": 0, "step": 42, "schedule": {"learningRate": 0.0001, "factor": 0.5, "patience": 5, "stopPatience": 10, "bestLoss": 1.25, "epochsSinceBest": 0, "epochsSinceReduction": 0, "shouldStop": false, "lastWasBest": true}, "finished": true}""");
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"),
            "{\"step\":40,\"epoch\":2,\"loss\":2.5,\"pairs_per_s\":10.0}\n{\"step\":42,\"epoch\":2,\"loss\":2.25,\"pairs_per_s\":11.0}\n{\"step\":44,\"ep");
        return run;
    }

    [Fact]
    public void ExportsARunFolderWithACardWhoseHashesAreThoseOfTheFiles()
    {
        var run = RunFolder();
        var outDir = Path.Combine(dir, "deploy");
        var (code, text) = CliRunner.Run("export", "--encoder", run, "--format", "onnx", "--out", outDir);
        output.WriteLine(text);
        Assert.Equal(0, code);
        Assert.Contains("opset 17", text);
        string[] expected = [OnnxExport.ImageFileName, ModelCard.FileName, OnnxExport.TextFileName, OnnxExport.VocabFileName];   // ordinal order
        Assert.Equal(expected, Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(dir, ".deploy*"));   // no temporary folder left beside it

        using var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, ModelCard.FileName)));
        var root = card.RootElement;
        var files = root.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f);
        Assert.Equal(expected.Where(n => n != ModelCard.FileName).Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, entry) in files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(outDir, name));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), entry.GetProperty("sha256").GetString());
            Assert.Equal(bytes.Length, entry.GetProperty("bytes").GetInt64());
        }
        // vocab.txt is the packaged MiniLM vocabulary, byte for byte
        using (var packaged = PackagedTextModels.OpenVocab("minilm"))
        using (var copy = new MemoryStream())
        {
            packaged.CopyTo(copy);
            Assert.Equal(copy.ToArray(), File.ReadAllBytes(Path.Combine(outDir, OnnxExport.VocabFileName)));
        }
        var tokenizer = root.GetProperty("text").GetProperty("tokenizer");
        Assert.True(tokenizer.GetProperty("lowerCase").GetBoolean());
        Assert.Equal(32, tokenizer.GetProperty("maxLength").GetInt32());
        Assert.Equal(32, root.GetProperty("projectionDim").GetInt32());
        Assert.Equal(17, root.GetProperty("onnx").GetProperty("opset").GetInt32());
        Assert.Equal([Size, Size], root.GetProperty("image").GetProperty("input").GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0.449, 0.226], new[] { "mean", "std" }.Select(k => root.GetProperty("image").GetProperty("normalisation").GetProperty(k)[0].GetDouble()));
        Assert.Equal("test-tiny", root.GetProperty("training").GetProperty("name").GetString());
        var data = root.GetProperty("data");
        Assert.Equal(42, data.GetProperty("steps").GetInt64());
        Assert.Equal(42 * 8, data.GetProperty("pairsSeen").GetInt64());
        Assert.Equal(1.25, data.GetProperty("bestValidationLoss").GetDouble());
        Assert.Equal(2.25, data.GetProperty("lastTrainingLoss").GetDouble());
        Assert.Equal(1, data.GetProperty("metricsLinesSkipped").GetInt32());

        // the exported graphs compute what the loaded run computes (batch 1 and 5, real inputs when present)
        if (Images(5, Size) is { } gray && Sentences() is { } sentences)
        {
            var loaded = EncoderLoader.Load(run);
            loaded.Model!.eval();
            using var ort = new ExportedEncoder(outDir);
            double worst = 0;
            foreach (int batch in new[] { 1, 5 })
            {
                var pixels = gray.AsSpan(0, batch * Size * Size).ToArray();
                var onnxImage = ort.EncodeImages(pixels, batch, Size, Size);
                var onnxText = ort.EncodeTexts(sentences.Take(batch).ToArray());
                var tokens = loaded.Tokenizer!.EncodeBatch(sentences.Take(batch).ToArray(), loaded.Config.Model.Text.MaxLength);
                using var scope = torch.NewDisposeScope();
                using var _ = torch.no_grad();
                var x = torch.tensor(pixels, [batch, 1, Size, Size]);
                var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length]);
                var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length]);
                var diffs = new[]
                {
                    MaxAbsDiff(onnxImage["h_v"], Rows(loaded.Model.ImageFeatures(x))), MaxAbsDiff(onnxImage["v"], Rows(loaded.Model.EncodeImage(x))),
                    MaxAbsDiff(onnxText["h_u"], Rows(loaded.Model.TextEncoder.call(ids, mask))), MaxAbsDiff(onnxText["u"], Rows(loaded.Model.EncodeText(ids, mask))),
                };
                output.WriteLine($"resnet18 + 2-layer BERT batch {batch}: h_v {diffs[0]:E2}, v {diffs[1]:E2}, h_u {diffs[2]:E2}, u {diffs[3]:E2}");
                worst = Math.Max(worst, diffs.Max());
            }
            Assert.True(worst < 1e-4, $"outputs differ by {worst:E2}");
        }
        else output.WriteLine(TestPaths.SharedDataMissing + " (ORT comparison left out)");

        // a second export replaces the first (its card is there); --part image leaves the text files out; with --rgb
        // the graph takes 3 channels and gives, for a gray image replicated, what the gray encoder gives
        (code, text) = CliRunner.Run("export", "--encoder", run, "--format", "onnx", "--part", "image", "--rgb", "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal([OnnxExport.ImageFileName, ModelCard.FileName], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var rgb = new ExportedEncoder(outDir);
        Assert.Equal(3, rgb.Channels);
        var image = Images(2, Size) ?? Enumerable.Range(0, 2 * Size * Size).Select(i => (i * 37 % 256) / 255f).ToArray();   // real X-rays, or a fixed pattern without shared data
        var onnxRgb = rgb.EncodeImages(Replicate(image, 2, 3), 2, Size, Size)["h_v"];
        var grayEncoder = EncoderLoader.Load(run);
        grayEncoder.Model!.eval();
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            double d = MaxAbsDiff(onnxRgb, Rows(grayEncoder.Image.call(torch.tensor(image, [2, 1, Size, Size]))));
            output.WriteLine($"--rgb export, gray replicated to 3 channels vs the gray encoder: h_v {d:E2}");
            Assert.True(d < 1e-4, $"--rgb h_v differs by {d:E2}");
        }
    }

    [Fact]
    public void BadFormatFolderOrMissingTextTowerGiveClearMessages()
    {
        var (code, text) = CliRunner.Run("export", "--encoder", "imagenet", "--format", "onnnx", "--out", Path.Combine(dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("--format must be one of safetensors, pt, hf, onnx, got 'onnnx'", text);

        (code, text) = CliRunner.Run("export", "--encoder", "imagenet", "--format", "safetensors", "--out", Path.Combine(dir, "x.pt"));
        Assert.NotEqual(0, code);
        Assert.Contains("--format safetensors needs --out FILE.safetensors", text);

        var other = Path.Combine(dir, "notes");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "keep.txt"), "mine");
        (code, text) = CliRunner.Run("export", "--encoder", "random", "--format", "onnx", "--out", other);
        Assert.NotEqual(0, code);
        Assert.Contains("is not an earlier ONNX export", text);
        Assert.Equal(["keep.txt"], Directory.GetFiles(other).Select(Path.GetFileName));

        (code, text) = CliRunner.Run("export", "--encoder", "imagenet", "--format", "onnx", "--part", "text", "--out", Path.Combine(dir, "t"));
        Assert.NotEqual(0, code);
        Assert.Contains("encoder 'imagenet' has no text tower (the imagenet baseline is an image encoder only)", text);
        Assert.False(Directory.Exists(Path.Combine(dir, "t")));

        // the safetensors path still works, with --format named or not
        (code, _) = CliRunner.Run("export", "--encoder", "random", "--format", "safetensors", "--out", Path.Combine(dir, "r.safetensors"));
        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(dir, "r.safetensors")));
    }
}
