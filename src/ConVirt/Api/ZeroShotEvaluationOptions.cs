namespace ConVirt;

/// <summary>How <see cref="ConVirtEvaluation.ZeroShot"/> maps prompts to labels.</summary>
public enum ZeroShotEvaluationMode
{
    /// <summary>Multi-class: one prompt class per value of the label key, softmax over every class.</summary>
    Classes,
    /// <summary>Binary findings (CheXzero): <c>F:positive</c> and <c>F:negative</c> prompts per finding F and a 0/1 label key F; softmax over the pair, scored by AUC.</summary>
    Pairs,
}

/// <summary>What <see cref="ConVirtEvaluation.ZeroShot"/> measures: <c>convirt evaluate zeroshot</c>'s options.
/// Images are classified from prompts alone (no labelled training data), by the cosine of their projected vector v to
/// each class's prompt ensemble u, divided by the run's temperature; needs a ConVIRT run.</summary>
public sealed record ZeroShotEvaluationOptions
{
    /// <summary>The encoder: a ConVIRT run folder or checkpoint (zero-shot needs its text encoder).</summary>
    public required string Encoder { get; init; }

    /// <summary>Manifest of the labelled images.</summary>
    public required string DataManifest { get; init; }

    /// <summary>The prompts: JSON Lines of <c>{"label", "text"}</c>; several rows per label are an ensemble.
    /// <see cref="ZeroShotEvaluationMode.Pairs"/>: labels <c>FINDING:positive</c> and <c>FINDING:negative</c>.</summary>
    public required string PromptsFile { get; init; }

    /// <summary><see cref="ZeroShotEvaluationMode.Classes"/>: the label key (required). <see cref="ZeroShotEvaluationMode.Pairs"/>:
    /// the findings to evaluate, comma-separated (null: every finding of the prompts).</summary>
    public string? Label { get; init; }

    /// <summary>Classes (default) or pairs.</summary>
    public ZeroShotEvaluationMode Mode { get; init; } = ZeroShotEvaluationMode.Classes;

    /// <summary>Folder that relative image paths of the manifests resolve against; null: each manifest's own folder. Absolute paths are used as they are.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>Only rows of this split; null: every row.</summary>
    public string? Split { get; init; }

    /// <summary>Bootstrap resamples of each interval (default 1000).</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Folder for <c>zeroshot.json</c> and <c>zeroshot.md</c>; null writes nothing.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Side of the evaluation view in pixels (default 224).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Where the encoder computes.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;

    /// <summary>What the encoder computes in.</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;

    /// <summary>What computes the encoder's forward passes (default <see cref="InferenceBackend.Auto"/>).</summary>
    public InferenceBackend Backend { get; init; }

    /// <summary>libtorch's intra-op threads for the whole process; 0: libtorch's choice.</summary>
    public int Threads { get; init; }

    /// <summary>The command line's device name (<c>cuda:1</c>), which <see cref="Device"/> cannot name; null: from <see cref="Device"/>.</summary>
    internal string? DeviceName { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        EvaluationChecks.Required(Encoder, "ZeroShotEvaluationOptions", nameof(Encoder));
        EvaluationChecks.Required(DataManifest, "ZeroShotEvaluationOptions", nameof(DataManifest));
        EvaluationChecks.Required(PromptsFile, "ZeroShotEvaluationOptions", nameof(PromptsFile));
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"ZeroShotEvaluationOptions.Mode: unknown value {(int)Mode}", nameof(Mode));
        if (Mode == ZeroShotEvaluationMode.Classes && string.IsNullOrWhiteSpace(Label))
            throw new ArgumentException("ZeroShotEvaluationOptions.Label is required in Classes mode (the label key)", nameof(Label));
        if (Resamples < 1) throw new ArgumentException($"ZeroShotEvaluationOptions.Resamples: {Resamples} must be at least 1", nameof(Resamples));
        EvaluationChecks.Encoder("ZeroShotEvaluationOptions", ImageSize, Device, Precision, Backend, Threads);
    }
}
