using ConVirt.Configuration;
using ConVirt.Data.Text;
using ConVirt.Inference;
using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Precision;

namespace ConVirt.Training;

/// <summary>An encoder ready for evaluation.</summary>
/// <param name="Name">What it is (run folder, checkpoint or baseline name).</param>
/// <param name="Image">The image encoder f_v (features h_v).</param>
/// <param name="Model">The whole ConVIRT model when the encoder has a text tower and projections (v, u), else null.</param>
/// <param name="Tokenizer">Tokenizer of the text tower, or null.</param>
/// <param name="Config">The configuration it was built from.</param>
internal sealed record LoadedEncoder(string Name, ResNetEncoder Image, ConVirtModel? Model, WordPieceTokenizer? Tokenizer, ConVirtConfig Config) : IDisposable
{
    /// <summary>Frees the modules' native memory (the whole model when there is one, which holds the image encoder).
    /// A job that loaded the encoder disposes it when done, so that repeated library calls do not wait for the finaliser.</summary>
    public void Dispose()
    {
        towers?.Dispose();
        if (Model is not null) Model.Dispose();
        else Image.Dispose();
    }

    IEncoderTowers? towers;

    /// <summary>The forward passes for inference (embedding, evaluation features, search): libtorch's modules unless
    /// the loader chose another backend (<see cref="EncoderLoader.Load(string, int, string, PrecisionMode, TowerBackend)"/>).</summary>
    public IEncoderTowers Towers { get => towers ??= new LibTorchTowers(Image, Model); init => towers = value; }

    /// <summary>The checkpoint's <c>model.safetensors</c>, or null for a baseline built in memory.</summary>
    public string? WeightsFile { get; init; }

    /// <summary>Where the encoder's weights are (cpu, cuda).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>What the encoder computes in inside <see cref="Compute"/>.</summary>
    public PrecisionMode Precision { get; init; } = PrecisionMode.Fp32;

    /// <summary>
    /// Enters the encoder's precision region for a whole job: the weights are frozen, so each is cast once. Dispose it
    /// when the job ends.
    /// </summary>
    public IDisposable Compute() => Autocast.Enter(PrecisionPolicy.Create(Precision, Device));

    /// <summary>The image-text model and its tokenizer, or an exception naming the encoder and <paramref name="purpose"/> when it has no text tower.</summary>
    /// <exception cref="ArgumentException">The encoder is an image encoder only (random, imagenet, SimCLR, MoCo v2).</exception>
    public (ConVirtModel Model, WordPieceTokenizer Tokenizer) RequireTextTower(string purpose) =>
        Model is not null && Tokenizer is not null ? (Model, Tokenizer) : throw new ArgumentException($"encoder '{Name}' has no text tower: {purpose}");
}
