using ConVirt.Models.Kernels;
using ConVirt.Cli;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using ConVirt.Interop;
using ConVirt.Tests.Pipeline;
using Spectre.Console;

namespace ConVirt.Tests.Cli;

/// <summary>The `convirt` verbs run in-process over the library, as a user types them.</summary>
[Collection(TorchCollection.Name)]
public sealed class CliTests
{
    static (int Code, string Output) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void InfoReportsTheLoadedNativeLibraryAndPackagedWeights()
    {
        var (code, output) = Run("info");
        Assert.Equal(0, code);
        Assert.Contains("native library", output);
        Assert.Contains("loaded", output);
        Assert.Contains("2.10", output);
        Assert.Contains("weights: imagenet", output);
        Assert.Contains("weights: minilm", output);
        Assert.Contains("linear layers", output);
        // what MklDispatch did in this process, in the words of its state
        Assert.Contains("matrix products", output);
        Assert.Contains(ConVirt.Runtime.MklDispatch.State.Reason.Split(' ')[0], output);
    }

    [Fact]
    public void AMisspeltLinearKernelIsRefusedBeforeAnyWork()
    {
        var saved = Environment.GetEnvironmentVariable(ConVirt.Models.Kernels.DenseKernel.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ConVirt.Models.Kernels.DenseKernel.EnvironmentVariable, "mkl");
            ConVirt.Models.Kernels.DenseKernel.ResetToEnvironment();
            var (code, output) = Run("pretrain", "--train", "does-not-exist.jsonl");
            Assert.Equal(2, code);
            Assert.Contains("CONVIRT_LINEAR='mkl' is not one of auto, blas, onednn", output);
            Assert.DoesNotContain("does-not-exist", output);   // refused before the manifest is looked at
        }
        finally
        {
            Environment.SetEnvironmentVariable(ConVirt.Models.Kernels.DenseKernel.EnvironmentVariable, saved);
            ConVirt.Models.Kernels.DenseKernel.ResetToEnvironment();
        }
    }

    [Fact]
    public void AMisspeltMklSettingIsRefusedBeforeAnyWork()
    {
        var saved = Environment.GetEnvironmentVariable(ConVirt.Runtime.MklDispatch.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ConVirt.Runtime.MklDispatch.EnvironmentVariable, "amd");
            var (code, output) = Run("pretrain", "--train", "does-not-exist.jsonl");
            Assert.Equal(2, code);
            Assert.Contains("CONVIRT_MKL='amd' is not one of auto, vendor, intel", output);
            Assert.DoesNotContain("does-not-exist", output);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ConVirt.Runtime.MklDispatch.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public void PretrainWritesARunFolderThatExportTurnsIntoPyTorchFiles()
    {
        var data = TinyRuns.TempFolder("cli-data");
        SyntheticDataset.Write(data, 30, 40, seed: 2);
        var configFile = Path.Combine(data, "tiny.json");
        File.WriteAllText(configFile, TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1).ToJson());
        var run = Path.Combine(TinyRuns.TempFolder("cli-run"), "run");
        var (code, output) = Run("pretrain", "--train", Path.Combine(data, "manifest.jsonl"), "--out", run, "--config", configFile, "--max-steps", "3", "--lr", "5e-4");
        Assert.True(code == 0, output);
        Assert.Contains("step-limit: 3 steps", output);
        foreach (var f in new[] { "config.json", "metrics.jsonl", "checkpoints/latest" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "tensorboard"), "*", SearchOption.AllDirectories));
        Assert.Contains("\"learningRate\": 0.0005", File.ReadAllText(Path.Combine(run, "config.json")));

        var file = Path.Combine(run, "export", "image.safetensors");
        (code, output) = Run("export", "--encoder", run, "--out", file);
        Assert.True(code == 0, output);
        var shapes = SafeTensors.ReadShapes(file);
        Assert.Equal([(long)TestModels.TinyWidth, 1, 7, 7], shapes["conv1.weight"]);   // the run's width (torchvision's 64 / 4)
        Assert.Equal(TestModels.TinyWidth.ToString(System.Globalization.CultureInfo.InvariantCulture), SafeTensors.ReadMetadata(file)["convirt.width"]);
        Assert.Contains("layer4.1.bn2.running_var", shapes.Keys);
        Assert.DoesNotContain(shapes.Keys, k => k.StartsWith("image_encoder.", StringComparison.Ordinal));

        var text = Path.Combine(run, "export", "text");
        (code, output) = Run("export", "--encoder", run, "--out", text, "--part", "text");
        Assert.True(code == 0, output);
        foreach (var f in new[] { "config.json", "vocab.txt", "model.safetensors", "text_projection.safetensors" })
            Assert.True(File.Exists(Path.Combine(text, f)), $"{f} missing");
        Assert.Contains("encoder.layer.1.output.LayerNorm.weight", SafeTensors.ReadShapes(Path.Combine(text, "model.safetensors")).Keys);
    }

    [Fact]
    public void MissingRequiredOptionsAndBadValuesAreOneLineErrors()
    {
        var (code, output) = Run("pretrain", "--out", "x");
        Assert.NotEqual(0, code);
        Assert.Contains("--train", output);
        (code, output) = Run("export", "--encoder", "/nonexistent/run", "--out", "/tmp/x.safetensors");
        Assert.NotEqual(0, code);
        Assert.Contains("/nonexistent/run", output);
        (code, output) = Run("pretrain", "--train", "/nonexistent/m.jsonl", "--out", TinyRuns.TempFolder("cli-bad"), "--image-weights", "none", "--text-weights", "none");
        Assert.NotEqual(0, code);
        Assert.Contains("/nonexistent/m.jsonl", output);
    }
    [Fact]
    public void PrecisionIsAnOptionOfEveryComputingVerbAndInfoSaysWhatAutoPicks()
    {
        var (code, output) = Run("info");
        Assert.Equal(0, code);
        var auto = ConVirt.Precision.PrecisionPolicy.Resolve(ConVirt.Precision.PrecisionMode.Auto, "cpu");
        Assert.Contains($"--precision auto on cpu: {auto.Policy.Name}", output);
        // what --backend auto picks here: ONNX Runtime exactly where the CPU hides its caches (the test project has its native library)
        Assert.Contains($"--backend auto on cpu (fp32): {(ConVirt.Precision.CpuCacheTopology.Reported ? "libtorch" : "onnxruntime")} (", output);
        foreach (var verb in new[] { new[] { "pretrain" }, ["embed"], ["evaluate", "linear"], ["evaluate", "finetune"], ["evaluate", "retrieval"], ["tsne"], ["demo"] })
        {
            (code, output) = Run([.. verb, "--help"]);
            Assert.True(code == 0, output);
            Assert.Contains("--precision", output);
        }
        (code, output) = Run("pretrain", "--train", "x.jsonl", "--out", TinyRuns.TempFolder("cli-precision"), "--precision", "fp16");
        Assert.NotEqual(0, code);
        Assert.Contains("precision must be fp32, bf16 or auto, got 'fp16'", output);
        (code, output) = Run("embed", "--encoder", "random", "--data", "x.jsonl", "--out", "x.safetensors", "--precision", "half");
        Assert.NotEqual(0, code);
        Assert.Contains("got 'half'", output);
    }

    [Fact]
    public void PretrainAndEmbedUnderBf16()
    {
        var data = TinyRuns.TempFolder("cli-bf16-data");
        SyntheticDataset.Write(data, 24, 40, seed: 6);
        var manifest = Path.Combine(data, "manifest.jsonl");
        var configFile = Path.Combine(data, "tiny.json");
        File.WriteAllText(configFile, TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1).ToJson());
        var run = Path.Combine(TinyRuns.TempFolder("cli-bf16-run"), "run");
        var (code, output) = Run("pretrain", "--train", manifest, "--out", run, "--config", configFile, "--max-steps", "2", "--precision", "bf16");
        Assert.True(code == 0, output);
        Assert.Contains("\"precision\": \"bf16\"", File.ReadAllText(Path.Combine(run, "config.json")));

        var embeddings = new Dictionary<string, float[]>();
        foreach (var precision in new[] { "fp32", "bf16" })
        {
            var file = Path.Combine(data, $"u-{precision}.safetensors");
            (code, output) = Run("embed", "--encoder", run, "--data", manifest, "--out", file, "--modality", "text", "--precision", precision);
            Assert.True(code == 0, output);
            var read = SafeTensors.Read(file);
            var t = read.Values.Single(v => v.dim() == 2);
            Assert.Equal(TorchSharp.torch.ScalarType.Float32, t.dtype);
            embeddings[precision] = t.data<float>().ToArray();
        }
        // same rows, close but not identical vectors
        Assert.Equal(embeddings["fp32"].Length, embeddings["bf16"].Length);
        Assert.NotEqual(embeddings["fp32"], embeddings["bf16"]);
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < embeddings["fp32"].Length; i++) { dot += embeddings["fp32"][i] * embeddings["bf16"][i]; a += embeddings["fp32"][i] * embeddings["fp32"][i]; b += embeddings["bf16"][i] * embeddings["bf16"][i]; }
        Assert.True(dot / Math.Sqrt(a * b) >= 0.999, $"cosine {dot / Math.Sqrt(a * b):F5}");
    }

    [Fact]
    public void EmbedOnEitherBackendGivesTheSameVectorsWithin1e4()
    {
        var dir = TinyRuns.TempFolder("cli-backend");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 6, 32, seed: 8);
        var (run, _, _) = TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var vectors = new Dictionary<string, float[,]>();
        foreach (var modality in new[] { "image", "text" })
            foreach (var backend in new[] { "libtorch", "onnxruntime" })
            {
                var file = Path.Combine(dir, $"{modality}-{backend}.csv");
                var (code, output) = Run("embed", "--encoder", run, "--data", manifest, "--out", file, "--modality", modality, "--image-size", "32", "--backend", backend);
                Assert.True(code == 0, output);
                vectors[$"{modality}-{backend}"] = EmbedJob.Read(file).Embeddings;
            }
        foreach (var modality in new[] { "image", "text" })
        {
            var (a, b) = (vectors[$"{modality}-libtorch"], vectors[$"{modality}-onnxruntime"]);
            Assert.Equal((a.GetLength(0), a.GetLength(1)), (b.GetLength(0), b.GetLength(1)));
            double worst = 0;
            for (int i = 0; i < a.GetLength(0); i++)
                for (int j = 0; j < a.GetLength(1); j++) worst = Math.Max(worst, Math.Abs(a[i, j] - b[i, j]));
            Assert.True(worst <= 1e-4, $"{modality}: max difference {worst:G3}");
        }
        Assert.True(Directory.GetFiles(Path.Combine(run, ConVirt.Inference.OnnxGraphCache.FolderName), "*.onnx").Length == 2, "one cached graph per tower");

        var (bad, message) = Run("embed", "--encoder", run, "--data", manifest, "--out", Path.Combine(dir, "x.csv"), "--backend", "tensorrt");
        Assert.NotEqual(0, bad);
        Assert.Contains("--backend 'tensorrt': expected auto, libtorch or onnxruntime", message);
        (bad, message) = Run("embed", "--encoder", run, "--data", manifest, "--out", Path.Combine(dir, "y.csv"), "--backend", "onnxruntime", "--precision", "bf16");
        Assert.NotEqual(0, bad);
        Assert.True(message.Contains("onnxruntime: it computes in fp32 only") || message.Contains("bf16"), message);   // refused by the backend, or earlier by a CPU without bf16
        Assert.False(File.Exists(Path.Combine(dir, "y.csv")));
    }

    [Fact]
    public void ServeBatchingOptionsReachTheServiceAndBadValuesAreRefused()
    {
        static ConVirt.Cli.Commands.ServeCommand.Settings Settings(string window = "2", int maxBatch = 64) =>
            new() { Encoder = "run", Data = "m.jsonl", BatchWindow = window, MaxBatch = maxBatch };
        var defaults = Settings().ToOptions(_ => null);
        Assert.Equal(new ConVirt.Serve.ServeOptions { Encoder = "e", Data = "d" }.BatchWindow, defaults.BatchWindow);   // the CLI's default is the library's
        Assert.Equal(64, defaults.MaxBatch);
        var custom = Settings("7.5", 16).ToOptions(_ => null);
        Assert.Equal(TimeSpan.FromMilliseconds(7.5), custom.BatchWindow);
        Assert.Equal(16, custom.MaxBatch);
        Assert.Null(Settings("off").ToOptions(_ => null).BatchWindow);   // one query at a time
        foreach (var bad in new[] { "soon", "-1", "1001" })
        {
            var result = Settings(bad).Validate();
            Assert.False(result.Successful);
            Assert.Contains($"--batch-window '{bad}'", result.Message);
        }
        Assert.Contains("--max-batch", Settings(maxBatch: 0).Validate().Message);
        var (code, output) = Run("serve", "--encoder", "random", "--data", "/nonexistent/m.jsonl", "--batch-window", "soon");
        Assert.NotEqual(0, code);
        Assert.Contains("--batch-window 'soon': expected milliseconds in [0, 1000] or off", output);
    }
}
