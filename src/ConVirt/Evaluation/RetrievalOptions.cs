namespace ConVirt.Evaluation;

/// <summary>Settings of <c>convirt evaluate retrieval</c>.</summary>
internal sealed record RetrievalOptions
{
    /// <summary>The <c>--encoder</c> value.</summary>
    public required string Encoder { get; init; }
    /// <summary>Manifest of the query images.</summary>
    public required string Queries { get; init; }
    /// <summary>Manifest of the candidate images (may be the same file; a row id present in both is excluded from its own ranking).</summary>
    public required string Candidates { get; init; }
    /// <summary>Label key; a candidate is relevant when its label equals the query's.</summary>
    public required string Label { get; init; }
    /// <summary>Folder that relative image paths of the manifests resolve against (<c>--image-root</c>); null: each manifest's folder.</summary>
    public string? ImageRoot { get; init; }
    /// <summary>Split of the query manifest (null: all rows).</summary>
    public string? QuerySplit { get; init; }
    /// <summary>Split of the candidate manifest (null: all rows).</summary>
    public string? CandidateSplit { get; init; }
    /// <summary>Cut-offs k.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [5, 10, 50];
    /// <summary>Optional JSON Lines of {"text", "label"} for text-to-image retrieval (needs a text tower).</summary>
    public string? TextQueries { get; init; }
    /// <summary>Side of the evaluation view.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Seed of the <c>random</c> baseline.</summary>
    public int Seed { get; init; }
    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Folder for one contact sheet PNG per text query (its top-k images with labels and scores); null writes none.</summary>
    public string? Sheets { get; init; }
    /// <summary>What the encoder computes in (fp32, bf16, auto); fine-tuning keeps float32 master weights.</summary>
    public global::ConVirt.Precision.PrecisionMode Precision { get; init; } = global::ConVirt.Precision.PrecisionMode.Fp32;

    /// <summary>What computes the encoder's forward passes.</summary>
    public global::ConVirt.Inference.TowerBackend Backend { get; init; }
    /// <summary>Output folder for retrieval.json / retrieval.md; null writes nothing.</summary>
    public string? Out { get; init; }
}
