using static TorchSharp.torch;

namespace ConVirt.Inference;

/// <summary>
/// The forward passes of a frozen encoder, for inference only (embedding, evaluation features, search): one
/// strategy per backend (<see cref="LibTorchTowers"/>, <see cref="OnnxRuntimeTowers"/>), chosen once when the
/// encoder is loaded (<see cref="TowerBackends"/>). Training and grounding use the modules themselves.
/// </summary>
internal interface IEncoderTowers : IDisposable
{
    /// <summary>Which backend this is (never <see cref="TowerBackend.Auto"/>).</summary>
    TowerBackend Backend { get; }

    /// <summary>h_v [n, 512|2048], or v = g_v(h_v) [n, d] when <paramref name="projected"/>, of images
    /// <paramref name="images"/> [n, C, H, W] in [0, 1] (the input of <c>ResNetEncoder</c>). On the images' device.</summary>
    Tensor Images(Tensor images, bool projected);

    /// <summary>h_u (masked max-pool), or u = g_u(h_u) when <paramref name="projected"/>, of token ids and their
    /// attention mask [n, L] (int64). On the ids' device.</summary>
    Tensor Texts(Tensor ids, Tensor mask, bool projected);
}
