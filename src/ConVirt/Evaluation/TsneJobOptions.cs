namespace ConVirt.Evaluation;

/// <summary>Settings of <c>convirt tsne</c>.</summary>
/// <param name="Encoder">The <c>--encoder</c> value.</param>
/// <param name="Data">Manifest.</param>
/// <param name="Label">Label key colouring the points.</param>
/// <param name="Out">Output PNG; the coordinates go to the same name with .csv and a summary to .json.</param>
/// <param name="Perplexity">t-SNE perplexity.</param>
/// <param name="Iterations">t-SNE iterations.</param>
/// <param name="Seed">Seed of the subsample, the t-SNE start and the <c>random</c> baseline.</param>
/// <param name="MaxPoints">At most this many rows (a seeded uniform subsample, kept in manifest order).</param>
/// <param name="Split">Split of the manifest (null: all rows).</param>
/// <param name="ImageSize">Evaluation view side.</param>
/// <param name="Device">cpu or cuda.</param>
/// <param name="Precision">What the encoder computes in (fp32, bf16, auto).</param>
internal sealed record TsneJobOptions(string Encoder, string Data, string Label, string Out, double Perplexity = 30, int Iterations = 1000,
    int Seed = 0, int MaxPoints = 2000, string? Split = null, int ImageSize = 224, string Device = "cpu", global::ConVirt.Precision.PrecisionMode Precision = global::ConVirt.Precision.PrecisionMode.Fp32)
{
    /// <summary>Folder that relative image paths of the manifests resolve against (<c>--image-root</c>); null: each manifest's folder.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>What computes the encoder's forward passes (<c>--backend</c>).</summary>
    public global::ConVirt.Inference.TowerBackend Backend { get; init; }
}
