using ConVirt.Configuration;

namespace ConVirt.Training;

/// <summary>
/// The one place that knows a run folder's layout:
/// <code>
/// RUN/config.json            the run's configuration (written at the start)
/// RUN/metrics.jsonl          one JSON object per log step and per validation
/// RUN/tensorboard/           TensorBoard events
/// RUN/checkpoints/latest     name of the newest checkpoint
/// RUN/checkpoints/step-N/    model.safetensors, optimizer.bin, trainer.json, config.json
/// RUN/best/                  model.safetensors, trainer.json, config.json (lowest validation loss, else the last epoch)
/// </code>
/// A checkpoint folder is any folder holding model.safetensors; its configuration is its own config.json, else its
/// parent's (a run folder's).
/// </summary>
internal static class RunFolder
{
    /// <summary>Weights file of a checkpoint.</summary>
    public const string Weights = "model.safetensors";

    /// <summary>Configuration file of a run folder and of every checkpoint.</summary>
    public const string Config = "config.json";

    /// <summary>Metrics file of a run folder.</summary>
    public const string Metrics = "metrics.jsonl";

    /// <summary>TensorBoard folder of a run folder.</summary>
    public const string TensorBoard = "tensorboard";

    /// <summary>The best model's folder of a run folder.</summary>
    public const string Best = "best";

    /// <summary>The checkpoints' folder of a run folder (<see cref="CheckpointStore"/> writes and finds them).</summary>
    public const string Checkpoints = "checkpoints";

    /// <summary>The folder holding model.safetensors for a run folder (its <c>best/</c>, else its latest checkpoint), a checkpoint folder or a weights file.</summary>
    public static string ResolveCheckpoint(string path)
    {
        if (File.Exists(path) && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"encoder '{path}' is neither a run folder, a checkpoint, nor one of: random, imagenet");
        if (File.Exists(Path.Combine(path, Weights))) return path;
        if (File.Exists(Path.Combine(path, Best, Weights))) return Path.Combine(path, Best);
        var latest = new CheckpointStore(path).Latest();
        return latest ?? throw new FileNotFoundException($"{path}: no {Best}/{Weights} and no checkpoint to load");
    }

    /// <summary>The config.json that describes <paramref name="checkpoint"/>: its own, else its run folder's; null when neither exists.</summary>
    public static string? ConfigOf(string checkpoint)
    {
        var own = Path.Combine(checkpoint, Config);
        if (File.Exists(own)) return own;
        var parent = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, Config);
        return File.Exists(parent) ? parent : null;
    }

    /// <summary>Reads the configuration of <paramref name="checkpoint"/> (<see cref="ConfigOf"/>).</summary>
    /// <exception cref="FileNotFoundException">Neither the checkpoint nor its run folder holds a config.json.</exception>
    public static ConVirtConfig ReadConfig(string checkpoint, string name)
    {
        var path = ConfigOf(checkpoint) ?? throw new FileNotFoundException($"{name}: no {Config} next to the model", Path.Combine(checkpoint, Config));
        return ConVirtConfig.FromJson(File.ReadAllText(path), path);
    }
}
