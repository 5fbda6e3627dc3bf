namespace ConVirt.Evaluation.ZeroShot;

/// <summary>How prompts map to labels.</summary>
internal enum ZeroShotMode
{
    /// <summary>Multi-class: one prompt class per value of the label key; softmax over all classes.</summary>
    Classes,

    /// <summary>Binary findings (CheXzero): <c>F:positive</c> and <c>F:negative</c> prompts per finding F, a 0/1 label key F; softmax over the pair.</summary>
    Pairs,
}

/// <summary>Settings of <c>convirt evaluate zeroshot</c>.</summary>
internal sealed record ZeroShotOptions
{
    /// <summary>The <c>--encoder</c> value (a ConVIRT run: zero-shot needs a text tower).</summary>
    public required string Encoder { get; init; }
    /// <summary>Manifest of the images.</summary>
    public required string Data { get; init; }
    /// <summary>The prompts file (JSON Lines of label, text).</summary>
    public required string Prompts { get; init; }
    /// <summary>Classes: the label key (required). Pairs: comma-separated findings to evaluate (null: every finding of the prompts).</summary>
    public string? Label { get; init; }
    /// <summary>Classes or pairs.</summary>
    public ZeroShotMode Mode { get; init; } = ZeroShotMode.Classes;
    /// <summary>Folder that relative image paths of the manifests resolve against (<c>--image-root</c>); null: each manifest's folder.</summary>
    public string? ImageRoot { get; init; }
    /// <summary>Split of the manifest (null: all rows).</summary>
    public string? Split { get; init; }
    /// <summary>Side of the evaluation view.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Bootstrap resamples of each interval.</summary>
    public int Resamples { get; init; } = 1000;
    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>What the encoders compute in (fp32, bf16, auto).</summary>
    public Precision.PrecisionMode Precision { get; init; } = ConVirt.Precision.PrecisionMode.Fp32;

    /// <summary>What computes the encoder's forward passes.</summary>
    public global::ConVirt.Inference.TowerBackend Backend { get; init; }
    /// <summary>Output folder for zeroshot.json / zeroshot.md; null writes nothing.</summary>
    public string? Out { get; init; }
}
