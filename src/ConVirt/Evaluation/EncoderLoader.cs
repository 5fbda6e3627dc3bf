using ConVirt.Configuration;
using ConVirt.Interop;
using ConVirt.Models;
using ConVirt.Training;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Evaluation;

/// <summary>
/// Resolves <c>--encoder E</c>: a run folder (its <c>best/</c> model, else its latest checkpoint), a checkpoint
/// folder (holding <c>model.safetensors</c> and <c>config.json</c>), or a named baseline: <c>random</c>
/// (cpu-small architecture, seeded random weights) or <c>imagenet</c> (the packaged ImageNet ResNet-18).
/// SimCLR and MoCo v2 runs provide their (query) image encoder.
/// </summary>
public static class EncoderLoader
{
    /// <summary>Loads an encoder; <paramref name="seed"/> seeds the <c>random</c> baseline.</summary>
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
            var (image, _) = ModelBuilder.BuildImageEncoder(config.Model.Image);
            return new LoadedEncoder(encoder, image, null, null, config);
        }
        var folder = ResolveCheckpoint(encoder);
        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath)) configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(folder))!, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{encoder}: no config.json next to the model", configPath);
        var cfg = ConVirtConfig.FromJson(File.ReadAllText(configPath), configPath);
        // the architecture comes from the config, the weights from the checkpoint: build without initial weights
        var shape = cfg.Model with
        {
            // the packaged ImageNet encoder carries fixed preprocessing maps outside the state dict: rebuild it the same way
            Image = cfg.Model.Image.Weights.Equals("imagenet", StringComparison.OrdinalIgnoreCase)
                ? cfg.Model.Image
                : cfg.Model.Image with { Weights = "none", Architecture = ModelFactory.ResolveImageSpecName(cfg.Model.Image) },
            Text = cfg.Model.Text with { Weights = "none" },
        };
        var weights = Path.Combine(folder, "model.safetensors");
        if (cfg.Method == "convirt")
        {
            var built = ModelBuilder.Build(shape, TextVocabulary(cfg.Model.Text));
            built.Model.load_safetensors(weights);
            return new LoadedEncoder(encoder, built.Model.ImageEncoder, built.Model, built.Tokenizer, cfg);
        }
        var (encoderModule, _) = ModelBuilder.BuildImageEncoder(shape.Image);
        var objective = ImageOnlyObjectives.Create(cfg with { Model = shape }, encoderModule);
        objective.Module.load_safetensors(weights);
        return new LoadedEncoder(encoder, encoderModule, null, null, cfg);
    }

    /// <summary>The folder holding model.safetensors for a run folder or checkpoint path.</summary>
    public static string ResolveCheckpoint(string path)
    {
        if (File.Exists(path) && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"encoder '{path}' is neither a run folder, a checkpoint, nor one of: random, imagenet");
        if (File.Exists(Path.Combine(path, "model.safetensors"))) return path;
        if (File.Exists(Path.Combine(path, "best", "model.safetensors"))) return Path.Combine(path, "best");
        var latest = new CheckpointStore(path).Latest();
        return latest ?? throw new FileNotFoundException($"{path}: no best/model.safetensors and no checkpoint to load");
    }

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
