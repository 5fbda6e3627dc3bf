using ConVirt.Data.Images;
using ConVirt.Data;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using ConVirt.Evaluation.ZeroShot;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Tests.Api;

/// <summary>The public facade against the internal paths it wraps (the numbers must be the same), its refusals, and
/// the similarity arithmetic against hand-computed values.</summary>
[Collection(TorchCollection.Name)]
public sealed class ConVirtEncoderTests
{
    [Fact]
    public void EmbeddingsAndZeroShotEqualTheInternalPathsOnATinyRun()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-encoder");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 6, 32, seed: 4);
        var (run, model, tokenizer) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var rows = Manifest.Load(manifest).Rows.Take(5).ToList();

        using var encoder = ConVirtEncoder.Load(run, new EncoderOptions { ImageSize = 32, BatchSize = 3 });   // batches of 3 and 2: the split must not matter
        Assert.True(encoder.HasTextEncoder);
        Assert.Equal(PretrainingMethod.ConVirt, encoder.Method);
        var loaded = new LoadedEncoder(run, model.ImageEncoder, model, tokenizer, Pipeline.TinyRuns.Config());
        foreach (var kind in new[] { EmbeddingKind.Pooled, EmbeddingKind.Projected })
        {
            var expected = ImageFeatures.Extract(loaded, rows, 32, kind == EmbeddingKind.Projected, torch.CPU).Features;
            var actual = encoder.EmbedImages(rows.Select(r => r.ImagePath), kind);
            AssertRowsEqual(expected, actual, 1e-5);
            // one image alone: the vector it has within a batch (a batch of one once differed: oneDNN's 1x1 kernels, docs/testing.md)
            AssertRowsEqual(ToMatrix([actual[4]]), encoder.EmbedImages([rows[4].ImagePath], kind), 1e-5);
        }

        string[] texts = ["small left pleural effusion", "no acute cardiopulmonary process", "enlarged cardiac silhouette"];
        using (var u = EmbeddingExtractor.Texts(model, tokenizer, texts, Pipeline.TinyRuns.Config().Model.Text.MaxLength, torch.CPU))
            AssertRowsEqual(TensorMatrix.Float(u), encoder.EmbedTexts(texts), 1e-5);

        // zero-shot: the facade's probabilities against the evaluation's own arithmetic on the same vectors
        var prompts = new Dictionary<string, IReadOnlyList<string>> { ["effusion"] = [texts[0]], ["normal"] = [texts[1], texts[2]] };
        var predictions = encoder.ZeroShot(rows.Select(r => r.ImagePath), prompts);
        var classVectors = ZeroShotScores.ClassVectors(ToMatrix(encoder.EmbedTexts(texts)), [0, 1, 1], 2);
        var p = ZeroShotScores.Probabilities(ToMatrix(encoder.EmbedImages(rows.Select(r => r.ImagePath), EmbeddingKind.Projected)), classVectors, encoder.Temperature);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(p[i, 0], predictions[i].Probabilities["effusion"], 5);
            Assert.Equal(p[i, 1], predictions[i].Probabilities["normal"], 5);
            Assert.Equal(p[i, 0] >= p[i, 1] ? "effusion" : "normal", predictions[i].PredictedClass);
        }
    }

    [Fact]
    public void BothBackendsGiveTheSameVectorsWithin1e4()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-backends");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 5, 32, seed: 2);
        var (run, _, _) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var paths = Manifest.Load(manifest).Rows.Select(r => r.ImagePath).ToList();
        string[] texts = ["small left pleural effusion", "no acute cardiopulmonary process"];
        using var torchEncoder = ConVirtEncoder.Load(run, new EncoderOptions { ImageSize = 32, Backend = InferenceBackend.LibTorch });
        using var onnxEncoder = ConVirtEncoder.Load(run, new EncoderOptions { ImageSize = 32, Backend = InferenceBackend.OnnxRuntime });
        foreach (var kind in new[] { EmbeddingKind.Pooled, EmbeddingKind.Projected })
        {
            AssertRowsEqual(ToMatrix(torchEncoder.EmbedImages(paths, kind)), onnxEncoder.EmbedImages(paths, kind), 1e-4);
            AssertRowsEqual(ToMatrix(torchEncoder.EmbedTexts(texts, kind)), onnxEncoder.EmbedTexts(texts, kind), 1e-4);
        }
        var e = Assert.Throws<ArgumentException>(() => new EncoderOptions { Backend = (InferenceBackend)7 }.Validate());
        Assert.Contains("EncoderOptions.Backend", e.Message);
        var bf16 = Assert.Throws<ArgumentException>(() => ConVirtEncoder.Load(run, new EncoderOptions { Backend = InferenceBackend.OnnxRuntime, Precision = ComputePrecision.Bf16 }));
        Assert.Contains("bf16", bf16.Message);
    }

    [Fact]
    public void StreamsAndPixelsGiveTheVectorsOfTheFiles()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-inputs");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 4, 32, seed: 9);
        var (run, _, _) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var paths = Manifest.Load(manifest).Rows.Take(2).Select(r => r.ImagePath).ToList();
        using var encoder = ConVirtEncoder.Load(run, new EncoderOptions { ImageSize = 32 });
        var fromFiles = encoder.EmbedImages(paths);

        var streams = paths.Select(p => (Stream)new MemoryStream(File.ReadAllBytes(p))).ToList();
        AssertRowsEqual(ToMatrix(fromFiles), encoder.EmbedImages(streams), 0);
        var pixels = paths.Select(p => ImageDecoder.Load(p)).Select(g => new ImagePixels(g.Width, g.Height, g.Pixels)).ToList();
        AssertRowsEqual(ToMatrix(fromFiles), encoder.EmbedImages(pixels), 1e-6);

        // a stream that is no image: named by its position, not by the temporary file
        var bad = Assert.Throws<ImageDecodeException>(() => encoder.EmbedImages([new MemoryStream(File.ReadAllBytes(paths[0])), new MemoryStream("not an image"u8.ToArray())]));
        Assert.StartsWith("stream1: ", bad.Message);
        Assert.DoesNotContain(Path.GetTempPath(), bad.Message);
        var missing = Assert.Throws<ImageDecodeException>(() => encoder.EmbedImages([Path.Combine(dir, "absent.png")]));
        Assert.Equal($"{Path.Combine(dir, "absent.png")}: file not found", missing.Message);
        var e = Assert.Throws<ArgumentException>(() => encoder.EmbedImages([new ImagePixels(2, 2, [0, 0.5f, 1.5f, 0])]));
        Assert.Equal("ImagePixels: pixel 2 (x 0, y 1) is 1.5, outside [0, 1]", e.Message);
        Assert.Throws<ArgumentException>(() => encoder.EmbedImages([new ImagePixels(2, 2, [0, 0, 0])]));
    }

    [Fact]
    public void AnImageOnlyEncoderRefusesTextsAndProjectionsByName()
    {
        using var encoder = ConVirtEncoder.Load("random", new EncoderOptions { ImageSize = 32, Seed = 1 });
        Assert.False(encoder.HasTextEncoder);
        Assert.Null(encoder.Method);
        Assert.Equal(512, encoder.PooledImageDimension);
        var e = Assert.Throws<TextEncoderMissingException>(() => encoder.EmbedTexts(["no effusion"]));
        Assert.Equal("random", e.EncoderSource);
        Assert.Contains("encoder 'random' has no text encoder", e.Message);
        Assert.Throws<TextEncoderMissingException>(() => encoder.EmbedImages(new[] { "x.png" }, EmbeddingKind.Projected));
        Assert.Throws<TextEncoderMissingException>(() => encoder.ZeroShot(["x.png"], new Dictionary<string, IReadOnlyList<string>> { ["a"] = ["a"], ["b"] = ["b"] }));
        encoder.Dispose();
        Assert.Throws<ObjectDisposedException>(() => encoder.EmbedImages([new ImagePixels(1, 1, [0.5f])]));
    }

    [Fact]
    public void OptionsNameTheBadValue()
    {
        Assert.Equal("EncoderOptions.ImageSize: 8 px is outside 32..4096 (Parameter 'ImageSize')",
            Assert.Throws<ArgumentException>(() => ConVirtEncoder.Load("random", new EncoderOptions { ImageSize = 8 })).Message);
        Assert.Equal("EncoderOptions.Device: unknown value 7 (Parameter 'Device')",
            Assert.Throws<ArgumentException>(() => new EncoderOptions { Device = (ComputeDevice)7 }.Validate()).Message);
        Assert.Equal("PretrainingOptions.BatchSize: 1 must be at least 2 (contrastive pairs) (Parameter 'BatchSize')",
            Assert.Throws<ArgumentException>(() => new PretrainingOptions { TrainManifest = "m.jsonl", RunFolder = "r", BatchSize = 1 }.Validate()).Message);
        Assert.Throws<DirectoryNotFoundException>(() => ConVirtEncoder.Load(Path.Combine(Path.GetTempPath(), "no-such-encoder-folder")));
    }

    [Fact]
    public void SimilarityArithmeticMatchesHandComputedValues()
    {
        Assert.Equal(1.0 / 3, Similarity.Cosine([1, 2, 2], [2, 0, 0]), 12);        // 2 / (3 * 2)
        Assert.Equal(-1.0, Similarity.Cosine([1, 1], [-3, -3]), 12);
        Assert.Equal(0.0, Similarity.Cosine([0, 0], [1, 0]));
        Assert.Throws<ArgumentException>(() => Similarity.Cosine([1, 0], [1, 0, 0]));
        // [2, 0] and [0, 1] -> unit [1, 0], [0, 1] -> mean [0.5, 0.5] -> [0.70711, 0.70711] (the raw mean would point elsewhere)
        var mean = Similarity.MeanDirection([[2, 0], [0, 1]]);
        Assert.Equal(Math.Sqrt(0.5), mean[0], 6);
        Assert.Equal(Math.Sqrt(0.5), mean[1], 6);
        Assert.Throws<ArgumentException>(() => Similarity.MeanDirection([[1, 0], [-2, 0]]));
        // cosines with [1, 0]: 0.6, 1, -1, 0.6 -> best first, ties in input order
        var top = Similarity.TopK([1, 0], [[3, 4], [2, 0], [-1, 0], [6, 8]], 3);
        Assert.Equal([1, 0, 3], top.Select(t => t.Index));
        Assert.Equal(0.6, top[1].Cosine, 12);
    }

    static float[,] ToMatrix(float[][] rows)
    {
        var m = new float[rows.Length, rows.Length == 0 ? 0 : rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++) m[i, j] = rows[i][j];
        return m;
    }

    [Fact]
    public void ALoneImageGetsTheVectorItGetsWithinABatch()
    {
        // the packaged ImageNet ResNet-18 at 32 px: where oneDNN's 1x1 kernels were unsafe (a CPU hiding its caches,
        // docs/testing.md) a batch of one gave vectors 10 apart on a scale of 49 from the same images batched
        var dir = Pipeline.TinyRuns.TempFolder("api-lone");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 3, 48, seed: 5);
        var paths = Manifest.Load(manifest).Rows.Select(r => r.ImagePath).ToList();
        using var encoder = ConVirtEncoder.Load("imagenet", new EncoderOptions { ImageSize = 32, BatchSize = 3 });
        var batched = encoder.EmbedImages(paths);
        for (int i = 0; i < paths.Count; i++)
        {
            var alone = encoder.EmbedImages([paths[i]]);
            float scale = batched[i].Max(Math.Abs);
            Assert.True(scale > 1, $"image {i}: features of scale {scale}");
            AssertRowsEqual(ToMatrix([batched[i]]), alone, 1e-5 * scale);
        }
    }

    static void AssertRowsEqual(float[,] expected, float[][] actual, double tolerance)
    {
        Assert.Equal(expected.GetLength(0), actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected.GetLength(1), actual[i].Length);
            for (int j = 0; j < actual[i].Length; j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i][j]) <= tolerance, $"[{i}, {j}]: expected {expected[i, j]}, got {actual[i][j]}");
        }
    }
}
