namespace ConVirt;

/// <summary>What <see cref="ConVirtEvaluation.Retrieval"/> measures: <c>convirt evaluate retrieval</c>'s options.
/// Precision@k of candidates that share the query's label, under cosine similarity; ConVIRT runs are compared in their
/// projected spaces (v, u), other encoders by h_v.</summary>
public sealed record RetrievalEvaluationOptions
{
    /// <summary>The encoder: a run folder, a checkpoint folder or its <c>model.safetensors</c>, <c>imagenet</c> or <c>random</c> (as <see cref="ConVirtEncoder.Load"/>).</summary>
    public required string Encoder { get; init; }

    /// <summary>Manifest of the query images.</summary>
    public required string QueryManifest { get; init; }

    /// <summary>Manifest of the candidate images (may be the same file: a row id present in both is left out of its own ranking).</summary>
    public required string CandidateManifest { get; init; }

    /// <summary>One label key: a candidate is relevant when its value equals the query's.</summary>
    public required string Label { get; init; }

    /// <summary>Folder that relative image paths of the manifests resolve against; null: each manifest's own folder. Absolute paths are used as they are.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>Split of <see cref="QueryManifest"/>; null: every row.</summary>
    public string? QuerySplit { get; init; }

    /// <summary>Split of <see cref="CandidateManifest"/>; null: every row.</summary>
    public string? CandidateSplit { get; init; }

    /// <summary>The cut-offs k, each at least 1 (default 5, 10, 50).</summary>
    public IReadOnlyList<int> Ks { get; init; } = [5, 10, 50];

    /// <summary>JSON Lines of <c>{"text", "label"}</c> for text-to-image retrieval (needs a ConVIRT run's text encoder); null: image-to-image only.</summary>
    public string? TextQueriesFile { get; init; }

    /// <summary>With <see cref="TextQueriesFile"/>: folder for one contact sheet PNG per text query (its top-k images with labels and scores); null writes none.</summary>
    public string? ContactSheetFolder { get; init; }

    /// <summary>Folder for <c>retrieval.json</c> and <c>retrieval.md</c>; null writes nothing.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Side of the evaluation view in pixels (default 224).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Seed of the <c>random</c> encoder's weights.</summary>
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
        EvaluationChecks.Required(Encoder, "RetrievalEvaluationOptions", nameof(Encoder));
        EvaluationChecks.Required(QueryManifest, "RetrievalEvaluationOptions", nameof(QueryManifest));
        EvaluationChecks.Required(CandidateManifest, "RetrievalEvaluationOptions", nameof(CandidateManifest));
        EvaluationChecks.Required(Label, "RetrievalEvaluationOptions", nameof(Label));
        if (Label.Contains(',')) throw new ArgumentException($"RetrievalEvaluationOptions.Label '{Label}': retrieval takes one label key", nameof(Label));
        if (Ks is null || Ks.Count == 0) throw new ArgumentException("RetrievalEvaluationOptions.Ks is empty", nameof(Ks));
        foreach (int k in Ks)
            if (k < 1) throw new ArgumentException($"RetrievalEvaluationOptions.Ks holds {k}; cut-offs must be at least 1", nameof(Ks));
        if (ContactSheetFolder is not null && TextQueriesFile is null)
            throw new ArgumentException("RetrievalEvaluationOptions.ContactSheetFolder needs TextQueriesFile (one sheet per text query)", nameof(ContactSheetFolder));
        EvaluationChecks.Encoder("RetrievalEvaluationOptions", ImageSize, Device, Precision, Backend, Threads);
    }
}
