using ConVirt.Configuration;
using ConVirt.Data.Text;
using ConVirt.Models;
using ConVirt.Models.Vision;

namespace ConVirt.Evaluation;

/// <summary>An encoder ready for evaluation.</summary>
/// <param name="Name">What it is (run folder, checkpoint or baseline name).</param>
/// <param name="Image">The image encoder f_v (features h_v).</param>
/// <param name="Model">The whole ConVIRT model when the encoder has a text tower and projections (v, u), else null.</param>
/// <param name="Tokenizer">Tokenizer of the text tower, or null.</param>
/// <param name="Config">The configuration it was built from.</param>
public sealed record LoadedEncoder(string Name, ResNetEncoder Image, ConVirtModel? Model, WordPieceTokenizer? Tokenizer, ConVirtConfig Config);
