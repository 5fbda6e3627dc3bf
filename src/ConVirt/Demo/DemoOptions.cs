namespace ConVirt.Demo;

/// <summary>`convirt demo`: a synthetic paired set, pretraining on it, retrieval before and after.</summary>
internal sealed record DemoOptions
{
    /// <summary>Folder for the generated data and the run.</summary>
    public string OutputDirectory { get; init; } = "convirt-demo";
    /// <summary>Synthetic image-report pairs to generate.</summary>
    public int Cases { get; init; } = 600;
    /// <summary>Side of the generated images.</summary>
    public int GeneratedSize { get; init; } = 128;
    /// <summary>Side of the images the encoder sees.</summary>
    public int ImageSize { get; init; } = 96;
    /// <summary>Pairs per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 2e-4;
    /// <summary>Image encoder initialisation (imagenet, none, file).</summary>
    public string ImageWeights { get; init; } = "imagenet";
    /// <summary>Text encoder initialisation (minilm, arctic-xs, none, folder).</summary>
    public string TextWeights { get; init; } = "minilm";
    /// <summary>Reports without examination, indication, comparison and bone sentences (see SyntheticReportWriter).</summary>
    public bool ConciseReports { get; init; } = true;
    /// <summary>Seed of data generation and training.</summary>
    public int Seed { get; init; } = 7;
    /// <summary>What training and embedding compute in (fp32, bf16, auto).</summary>
    public global::ConVirt.Precision.PrecisionMode Precision { get; init; } = global::ConVirt.Precision.PrecisionMode.Fp32;
    /// <summary>Cut-offs k of precision@k.</summary>
    public int[] Ks { get; init; } = [5, 10];
}
