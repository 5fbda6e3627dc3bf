using ConVirt.Configuration;
using ConVirt.Inference;
using ConVirt.Interop;
using ConVirt.Precision;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Training;

/// <summary>
/// Resolves <c>--encoder E</c>: a run folder (its <c>best/</c> model, else its latest checkpoint), a checkpoint
/// folder (holding <c>model.safetensors</c> and <c>config.json</c>), or a named baseline: <c>random</c>
/// (cpu-small architecture, seeded random weights) or <c>imagenet</c> (the packaged ImageNet ResNet-18).
/// The run's method (<see cref="PretrainingMethods"/>) rebuilds what it trained and names the encoder it hands on
/// (SimCLR and MoCo v2: their query image encoder).
/// </summary>
internal static class EncoderLoader
{
    /// <summary>Loads an encoder on the CPU; <paramref name="seed"/> seeds the <c>random</c> baseline.</summary>
    public static LoadedEncoder Load(string encoder, int seed = 0)
    {
        Runtime.NativeRuntime.EnsureLoaded();
        if (encoder is "random" or "imagenet")
        {
            var baseline = ConVirtConfig.CpuSmall;
            var config = baseline with
            {
                Name = encoder,
                Model = baseline.Model with
                {
                    Image = baseline.Model.Image with { Weights = encoder == "imagenet" ? "imagenet" : "none" },
                    Text = baseline.Model.Text with { Weights = "none" },
                },
            };
            torch.manual_seed(seed);
            var (image, _) = ModelFactory.BuildImageEncoder(config.Model.Image);
            return new LoadedEncoder(encoder, image, null, null, config);
        }
        var folder = RunFolder.ResolveCheckpoint(encoder);
        var cfg = RunFolder.ReadConfig(folder, encoder);
        // the architecture comes from the config, the weights from the checkpoint: build without initial weights
        var shape = cfg.Model with
        {
            // the packaged ImageNet encoder carries fixed preprocessing maps outside the state dict: rebuild it the same way
            Image = cfg.Model.Image.Weights.Equals("imagenet", StringComparison.OrdinalIgnoreCase)
                ? cfg.Model.Image
                : cfg.Model.Image with { Weights = "none", Architecture = cfg.Model.Image.ResolvedArchitecture },
            Text = cfg.Model.Text with { Weights = "none" },
        };
        var method = PretrainingMethods.Get(cfg.Method);
        var built = method.Create(cfg with { Model = shape }, method.NeedsText ? TextVocabulary(cfg.Model.Text) : null);
        var weights = Path.Combine(folder, RunFolder.Weights);
        built.Objective.Module.load_safetensors(weights);
        return new LoadedEncoder(encoder, built.Objective.ImageEncoder, built.Objective.JointModel, built.Tokenizer, cfg) { WeightsFile = weights };
    }

    /// <summary>
    /// Loads an encoder (<see cref="Load(string, int)"/>) and places it for inference: on <paramref name="device"/>, in
    /// eval mode, computing in <paramref name="precision"/> inside <see cref="LoadedEncoder.Compute"/>, its
    /// <see cref="LoadedEncoder.Towers"/> on <paramref name="backend"/> (resolved by <see cref="TowerBackends.Resolve"/>;
    /// ONNX Runtime's graphs are cached beside the checkpoint's weights).
    /// </summary>
    /// <exception cref="ArgumentException">ONNX Runtime was asked for where it cannot run.</exception>
    public static LoadedEncoder Load(string encoder, int seed, string device, PrecisionMode precision, TowerBackend backend = TowerBackend.Auto)
    {
        var resolved = TowerBackends.Resolve(backend, device, PrecisionPolicy.Create(precision, device).Mode);
        var loaded = Load(encoder, seed) with { Device = device, Precision = precision };
        if (loaded.Model is not null) loaded.Model.to(torch.device(device)); else loaded.Image.to(torch.device(device));
        if (loaded.Model is not null) loaded.Model.eval(); else loaded.Image.eval();
        var cache = loaded.WeightsFile is null ? OnnxGraphCache.Uncached : OnnxGraphCache.Beside(loaded.WeightsFile);
        return loaded with { Towers = TowerBackends.Create(resolved, loaded.Image, loaded.Model, cache) };
    }

    /// <summary>The folder holding model.safetensors for a run folder or checkpoint path (<see cref="RunFolder.ResolveCheckpoint"/>).</summary>
    public static string ResolveCheckpoint(string path) => RunFolder.ResolveCheckpoint(path);

    /// <summary>Where the vocabulary of a text tower comes from: a packaged name, a vocab.txt or a BERT folder.</summary>
    public static string TextVocabulary(TextEncoderOptions o) =>
        o.Weights is "none" or "random" ? o.Vocab : o.Weights;

    /// <summary>Opens the vocabulary named by <see cref="TextVocabulary"/> as a stream.</summary>
    public static Stream OpenVocabulary(TextEncoderOptions o)
    {
        var v = TextVocabulary(o);
        if (File.Exists(v)) return File.OpenRead(v);
        if (Directory.Exists(v)) return File.OpenRead(Path.Combine(v, "vocab.txt"));
        return Data.Text.PackagedTextModels.OpenVocab(v);
    }
}
