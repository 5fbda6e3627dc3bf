using System.Text.Json;
using System.Text.Json.Serialization;
using ConVirt.Models.Text;

namespace ConVirt.Configuration;

/// <summary>
/// Everything a run needs, with docs/method.md's values as defaults. Immutable; written as JSON into every
/// run folder and checkpoint. Named configurations: <c>paper</c> and <c>cpu-small</c>.
/// </summary>
internal sealed record ConVirtConfig
{
    /// <summary>Name of the configuration this one started from.</summary>
    public string Name { get; init; } = "paper";
    /// <summary>The pretraining method's registered name: convirt, simclr, mocov2 (ConVirt.Training.PretrainingMethods).</summary>
    public string Method { get; init; } = "convirt";
    /// <summary>Encoders and heads.</summary>
    public ModelOptions Model { get; init; } = new();
    /// <summary>Loss.</summary>
    public LossOptions Loss { get; init; } = new();
    /// <summary>Optimiser and schedule.</summary>
    public OptimizerOptions Optimizer { get; init; } = new();
    /// <summary>Data path.</summary>
    public DataOptions Data { get; init; } = new();
    /// <summary>Seed of every random choice (initialisation, order, augmentation, sentence sampling).</summary>
    public int Seed { get; init; } = 42;
    /// <summary>libtorch intra-op threads; 0 = libtorch's default (all cores).</summary>
    public int Threads { get; init; }
    /// <summary>cpu or cuda (cuda needs the TorchSharp CUDA package).</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>
    /// What convolutions, linear layers and attention compute in: fp32, bf16 (mixed precision, float32 master
    /// weights), or auto (bf16 only on hardware with native bfloat16, see <see cref="T:ConVirt.Precision.Bf16Hardware"/>).
    /// fp32 by default: on CPUs without bfloat16 instructions bf16 is slower (docs/benchmarks.md, section 8).
    /// </summary>
    public global::ConVirt.Precision.PrecisionMode Precision { get; init; } = global::ConVirt.Precision.PrecisionMode.Fp32;
    /// <summary>Write a checkpoint every this many steps (and at every epoch end).</summary>
    public int CheckpointEverySteps { get; init; } = 200;
    /// <summary>Log metrics every this many steps.</summary>
    public int LogEverySteps { get; init; } = 10;

    /// <summary>The paper's configuration: ResNet-50 + BERT-base size, 224 px, batch 32, first 6 layers frozen.</summary>
    public static ConVirtConfig Paper => new();

    /// <summary>
    /// The CPU default: ResNet-18 (packaged ImageNet weights) + 6-layer MiniLM-size BERT (packaged weights),
    /// embeddings and first 3 layers frozen.
    /// </summary>
    public static ConVirtConfig CpuSmall => new()
    {
        Name = "cpu-small",
        Model = new ModelOptions
        {
            Image = new ImageEncoderOptions { Architecture = "resnet18", Weights = "imagenet" },
            Text = new TextEncoderOptions { Bert = BertSpec.MiniLmL6, Weights = "minilm", Vocab = "minilm", FrozenLayers = 3 },
        },
    };

    /// <summary>Names accepted by <see cref="Named"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["paper", "cpu-small"];

    /// <summary>Looks up a named configuration.</summary>
    public static ConVirtConfig Named(string name) => name.ToLowerInvariant() switch
    {
        "paper" => Paper,
        "cpu-small" => CpuSmall,
        _ => throw new ArgumentException($"unknown configuration '{name}': expected one of {string.Join(", ", Names)}"),
    };

    /// <summary>JSON options used for every config file: camelCase, indented, enums as strings.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Serialises to JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses JSON; missing values keep their defaults, unknown names are an error naming the member.</summary>
    public static ConVirtConfig FromJson(string json, string source = "config")
    {
        try
        {
            return JsonSerializer.Deserialize<ConVirtConfig>(json, JsonOptions) ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: invalid configuration: {e.Message}", e);
        }
    }

    /// <summary>Reads a JSON file, or a named configuration when <paramref name="pathOrName"/> is not a file.</summary>
    public static ConVirtConfig Load(string pathOrName) =>
        File.Exists(pathOrName) ? FromJson(File.ReadAllText(pathOrName), pathOrName) : Named(pathOrName);

    /// <summary>Throws naming the first value that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Method)) throw new ArgumentException("method must be named (convirt, simclr, mocov2 or a registered method)");
        if (!(Loss.Temperature > 0)) throw new ArgumentException($"temperature must be > 0, got {Loss.Temperature}");
        if (Loss.Lambda is < 0 or > 1) throw new ArgumentException($"lambda must be within [0, 1], got {Loss.Lambda}");
        if (Optimizer.BatchSize < 2) throw new ArgumentException($"batch size must be >= 2 (other pairs are the negatives), got {Optimizer.BatchSize}");
        if (Optimizer.MicroBatch is < 1) throw new ArgumentException($"micro-batch must be >= 1, got {Optimizer.MicroBatch}");
        if (!(Optimizer.LearningRate > 0)) throw new ArgumentException($"learning rate must be > 0, got {Optimizer.LearningRate}");
        if (Optimizer.WeightDecay < 0) throw new ArgumentException($"weight decay must be >= 0, got {Optimizer.WeightDecay}");
        if (Optimizer.Epochs < 1) throw new ArgumentException($"epochs must be >= 1, got {Optimizer.Epochs}");
        if (Data.ImageSize < 16) throw new ArgumentException($"image size must be >= 16, got {Data.ImageSize}");
        if (Model.Image.ResolvedArchitecture == "resnet18-cntk" && Data.ImageSize % 32 != 0)
            throw new ArgumentException($"the packaged ImageNet ResNet-18 (a CNTK export with top/left padding) needs an image size that is a multiple of 32, got {Data.ImageSize}");
        if (Model.ProjectionDim < 1 || Model.ProjectionHidden < 1) throw new ArgumentException("projection widths must be positive");
        if (Model.Text.MaxLength < 3 || Model.Text.MaxLength > Model.Text.Bert.MaxPositions)
            throw new ArgumentException($"text max length must be within 3..{Model.Text.Bert.MaxPositions}, got {Model.Text.MaxLength}");
        if (Model.Text.FrozenLayers < 0 || Model.Text.FrozenLayers > Model.Text.Bert.NumLayers)
            throw new ArgumentException($"frozen layers must be within 0..{Model.Text.Bert.NumLayers}, got {Model.Text.FrozenLayers}");
        if (Device is not ("cpu" or "cuda") && !Device.StartsWith("cuda:", StringComparison.Ordinal))
            throw new ArgumentException($"device must be cpu or cuda, got '{Device}'");
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"precision must be fp32, bf16 or auto, got {(int)Precision}");
        Model.Image.Validate();
        Model.Text.Bert.Validate();
        Data.Augmentation.Validate();
    }
}
