using ConVirt.Training;
using System.Text.Json;

namespace ConVirt.Evaluation;

/// <summary>What was evaluated: the <c>--encoder</c> value and the configuration the encoder was built from.</summary>
/// <param name="Name">The <c>--encoder</c> value (run folder, checkpoint, <c>random</c> or <c>imagenet</c>).</param>
/// <param name="Method">convirt, simclr, mocov2, or the baseline name.</param>
/// <param name="Architecture">Image encoder architecture.</param>
/// <param name="ImageWeights">Initial image weights named in the configuration.</param>
/// <param name="Config">The run's configuration (config.json) as JSON, or null for a named baseline.</param>
internal sealed record EncoderInfo(string Name, string Method, string Architecture, string ImageWeights, JsonElement? Config)
{
    /// <summary>Describes a loaded encoder.</summary>
    public static EncoderInfo Of(LoadedEncoder encoder)
    {
        bool baseline = encoder.Name is "random" or "imagenet";
        JsonElement? config = baseline ? null : JsonDocument.Parse(encoder.Config.ToJson()).RootElement.Clone();
        return new EncoderInfo(encoder.Name, baseline ? encoder.Name : encoder.Config.Method, encoder.Config.Model.Image.Architecture,
            encoder.Config.Model.Image.Weights, config);
    }

    /// <summary>A short display label: the run folder's name or the baseline name.</summary>
    public string Label
    {
        get
        {
            var trimmed = Name.TrimEnd('/', '\\');
            var leaf = Path.GetFileName(trimmed);
            if (leaf is "best" || leaf.StartsWith("step-", StringComparison.Ordinal) || leaf.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                var parent = Path.GetDirectoryName(trimmed) ?? trimmed;
                // RUN/checkpoints/step-N: the run's name, not "checkpoints", tells runs apart
                if (Path.GetFileName(parent) == "checkpoints" && Path.GetDirectoryName(parent) is { Length: > 0 } run) parent = run;
                leaf = Path.GetFileName(parent) + "/" + leaf;
            }
            return string.IsNullOrEmpty(leaf) ? Name : leaf;
        }
    }
}
