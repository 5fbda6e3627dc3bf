namespace ConVirt;

/// <summary>What <see cref="ConVirtEvaluation.LinearProbe"/> measures: <c>convirt evaluate linear</c>'s options. The
/// encoder's pooled features h_v are extracted once (frozen, evaluation view), then for every label fraction and run a
/// logistic-regression probe is fitted on a stratified, patient-grouped subset of the training rows and scored on the test rows.</summary>
public sealed record LinearProbeOptions
{
    /// <summary>The encoder: a run folder, a checkpoint folder or its <c>model.safetensors</c>, <c>imagenet</c> or <c>random</c> (as <see cref="ConVirtEncoder.Load"/>).</summary>
    public required string Encoder { get; init; }

    /// <summary>Training manifest (JSON Lines or CSV) or prepared dataset folder; its <see cref="TrainSplit"/> rows when rows carry splits.</summary>
    public required string TrainManifest { get; init; }

    /// <summary>Test manifest or prepared dataset folder (may be the same file as <see cref="TrainManifest"/>); its <see cref="TestSplit"/> rows when rows carry splits.</summary>
    public required string TestManifest { get; init; }

    /// <summary>The label key, or several comma-separated keys with 0/1 values (a multi-label task).</summary>
    public required string Label { get; init; }

    /// <summary>Label values treated as missing (the row is skipped and counted, e.g. <c>todo</c>); null or empty: none. Needs a single label key.</summary>
    public IReadOnlyList<string>? IgnoreValues { get; init; }

    /// <summary>Makes the label binary: these values are 1, every other value 0; null or empty keeps the values. Needs a single label key.</summary>
    public IReadOnlyList<string>? PositiveValues { get; init; }

    /// <summary>Folder that relative image paths of the manifests resolve against; null: each manifest's own folder. Absolute paths are used as they are.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>Split of <see cref="TrainManifest"/> used when rows carry splits (default <c>train</c>).</summary>
    public string TrainSplit { get; init; } = "train";

    /// <summary>Split of <see cref="TestManifest"/> used when rows carry splits (default <c>test</c>).</summary>
    public string TestSplit { get; init; } = "test";

    /// <summary>Shares of the training labels to train with, each in (0, 1] (default 0.01, 0.1, 1).</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.01, 0.1, 1];

    /// <summary>Runs per fraction, each with another labelled subset and seed (<see cref="Seed"/> + run; default 5).</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Folder for <c>linear.json</c>, <c>linear.md</c> and the cached features (<c>features/</c>, reused by later calls); null writes nothing.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Side of the evaluation view in pixels (default 224).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Base seed of the label subsets and probes, and of the <c>random</c> encoder's weights.</summary>
    public int Seed { get; init; }

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
        EvaluationChecks.Required(Encoder, "LinearProbeOptions", nameof(Encoder));
        EvaluationChecks.Required(TrainManifest, "LinearProbeOptions", nameof(TrainManifest));
        EvaluationChecks.Required(TestManifest, "LinearProbeOptions", nameof(TestManifest));
        EvaluationChecks.Required(Label, "LinearProbeOptions", nameof(Label));
        EvaluationChecks.Required(TrainSplit, "LinearProbeOptions", nameof(TrainSplit));
        EvaluationChecks.Required(TestSplit, "LinearProbeOptions", nameof(TestSplit));
        if (Fractions is null || Fractions.Count == 0) throw new ArgumentException("LinearProbeOptions.Fractions is empty", nameof(Fractions));
        foreach (var f in Fractions)
            if (!(f > 0 && f <= 1)) throw new ArgumentException($"LinearProbeOptions.Fractions holds {f}; fractions must be in (0, 1]", nameof(Fractions));
        if (Runs < 1) throw new ArgumentException($"LinearProbeOptions.Runs: {Runs} must be at least 1", nameof(Runs));
        bool filters = IgnoreValues is { Count: > 0 } || PositiveValues is { Count: > 0 };
        if (filters && Label.Contains(','))
            throw new ArgumentException($"LinearProbeOptions.IgnoreValues and PositiveValues apply to a single label key; Label is '{Label}'", nameof(Label));
        EvaluationChecks.Encoder("LinearProbeOptions", ImageSize, Device, Precision, Backend, Threads);
    }
}
