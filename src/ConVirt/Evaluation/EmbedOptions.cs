namespace ConVirt.Evaluation;

/// <summary>What <c>convirt embed</c> embeds (see <see cref="EmbedJob"/>).</summary>
/// <param name="Encoder">The <c>--encoder</c> value.</param>
/// <param name="Data">Manifest.</param>
/// <param name="Out">Output file (.safetensors or .csv).</param>
/// <param name="Modality">"image" (h_v, or v when <paramref name="Projected"/>) or "text" (u; needs a text tower).</param>
/// <param name="Projected">Images: project with g_v.</param>
/// <param name="Split">Split of the manifest (null: all rows).</param>
/// <param name="ImageSize">Evaluation view side.</param>
/// <param name="Seed">Seed of the <c>random</c> baseline.</param>
/// <param name="Device">cpu or cuda.</param>
/// <param name="Precision">What the encoder computes in (fp32, bf16, auto).</param>
internal sealed record EmbedOptions(string Encoder, string Data, string Out, string Modality = "image", bool Projected = false, string? Split = null,
    int ImageSize = 224, int Seed = 0, string Device = "cpu", global::ConVirt.Precision.PrecisionMode Precision = global::ConVirt.Precision.PrecisionMode.Fp32)
{
    /// <summary>Folder that relative image paths resolve against (<c>--image-root</c>); null: the manifest's folder.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>What computes the encoder's forward passes (<c>--backend</c>).</summary>
    public global::ConVirt.Inference.TowerBackend Backend { get; init; }
}
