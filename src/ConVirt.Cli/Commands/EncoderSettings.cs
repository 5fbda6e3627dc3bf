using System.ComponentModel;
using ConVirt.Inference;
using ConVirt.Precision;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace ConVirt.Cli.Commands;

/// <summary>The options of every command that runs a trained encoder, declared once (Spectre.Console.Cli settings inherit).</summary>
public abstract class EncoderSettings : CommandSettings
{
    /// <summary>Help text of --precision, shared by every command that has the option.</summary>
    public const string PrecisionHelp = "fp32 (default), bf16 or auto (bf16 where the hardware computes it natively; convirt info says what auto picks).";

    [CommandOption("--encoder <E>"), Description("Run folder, checkpoint, random or imagenet (text queries, zero-shot and grounding need a ConVIRT run's text tower).")]
    public string? Encoder { get; init; }

    [CommandOption("--image-size <PX>"), Description("Side of the model's view of an image (default 224).")]
    public int ImageSize { get; init; } = 224;

    [CommandOption("--seed <N>"), Description("Seed of the random encoder and of any sampling (default 0).")]
    public int Seed { get; init; }

    [CommandOption("--device <D>"), Description("cpu (default), cuda or cuda:N (with a CUDA TorchSharp package).")]
    public string Device { get; init; } = "cpu";

    [CommandOption("--precision <P>"), Description(PrecisionHelp)]
    public string Precision { get; init; } = "fp32";

    [CommandOption("--threads <N>"), Description("libtorch threads (default: every core).")]
    public int Threads { get; init; }

    [CommandOption("--backend <B>"), Description(BackendHelp)]
    public string Backend { get; init; } = "auto";

    [CommandOption("--image-root <FOLDER>"), Description("Folder that relative image paths resolve against (default: the manifest's folder).")]
    public string? ImageRoot { get; init; }

    /// <summary>Help text of --backend, shared by every command that has the option.</summary>
    public const string BackendHelp = "What computes the encoder: auto (default: ONNX Runtime where it is faster and can run, else libtorch; convirt info says which), libtorch or onnxruntime (CPU, fp32).";

    /// <summary>--backend as the library's enum (the public one mapped once, by the facade's seam).</summary>
    internal TowerBackend TowerBackend => EncoderSeam.Backend(InferenceBackend);

    /// <summary>--backend as the public API's enum.</summary>
    internal InferenceBackend InferenceBackend => TryParseBackend(Backend) ?? throw new ArgumentException(BackendError(Backend));

    /// <summary>Parses a --backend value.</summary>
    /// <exception cref="ArgumentException">Not auto, libtorch or onnxruntime.</exception>
    internal static TowerBackend ParseBackend(string value) => EncoderSeam.Backend(TryParseBackend(value) ?? throw new ArgumentException(BackendError(value)));

    static InferenceBackend? TryParseBackend(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "auto" => InferenceBackend.Auto,
        "libtorch" => InferenceBackend.LibTorch,
        "onnxruntime" => InferenceBackend.OnnxRuntime,
        _ => null,
    };

    static string BackendError(string? value) => $"--backend '{value}': expected auto, libtorch or onnxruntime";

    /// <summary>--precision as the library's enum.</summary>
    internal PrecisionMode PrecisionMode => PrecisionPolicy.ParseMode(Precision);

    /// <summary>--precision as the public API's enum (same parsing and errors as <see cref="PrecisionMode"/>).</summary>
    internal ComputePrecision ComputePrecision => PrecisionMode switch
    {
        PrecisionMode.Bf16 => ComputePrecision.Bf16,
        PrecisionMode.Auto => ComputePrecision.Auto,
        _ => ComputePrecision.Fp32,
    };

    /// <summary>--device as the public API's enum; the options' internal DeviceName carries the exact name (cuda:N).</summary>
    internal ComputeDevice ComputeDevice => Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? ComputeDevice.Cuda : ComputeDevice.Cpu;

    /// <inheritdoc />
    public sealed override ValidationResult Validate() =>
        EncoderRequired && string.IsNullOrWhiteSpace(Encoder) ? ValidationResult.Error("--encoder <E> is required")
        : Threads < 0 ? ValidationResult.Error("--threads must be 0 (every core) or more")
        : TryParseBackend(Backend) is null ? ValidationResult.Error(BackendError(Backend))
        : ValidateCommand();

    /// <summary>Whether this invocation needs --encoder (a command may have a mode without one).</summary>
    protected virtual bool EncoderRequired => true;

    /// <summary>The command's own checks, after the shared ones.</summary>
    protected virtual ValidationResult ValidateCommand() => ValidationResult.Success();

    /// <summary>Applies --threads (before any tensor work).</summary>
    public void ApplyThreads()
    {
        if (Threads > 0) torch.set_num_threads(Threads);
    }
}
