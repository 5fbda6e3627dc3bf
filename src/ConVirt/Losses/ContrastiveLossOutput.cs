using static TorchSharp.torch;

namespace ConVirt.Losses;

/// <summary>A contrastive loss and its two directions (scalars).</summary>
/// <param name="Total">λ·ImageToText + (1-λ)·TextToImage.</param>
/// <param name="ImageToText">Mean of l_i(v→u).</param>
/// <param name="TextToImage">Mean of l_i(u→v).</param>
internal sealed record ContrastiveLossOutput(Tensor Total, Tensor ImageToText, Tensor TextToImage);
