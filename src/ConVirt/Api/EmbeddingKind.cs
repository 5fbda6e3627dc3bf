namespace ConVirt;

/// <summary>Which vectors an embed call returns, named as <c>convirt embed</c> names them.</summary>
public enum EmbeddingKind
{
    /// <summary>The pooled encoder features: h_v for images (512 for ResNet-18, 2048 for ResNet-50), h_u for texts.
    /// Every encoder has them; the features a linear probe or retrieval by image uses.</summary>
    Pooled,
    /// <summary>The projected vectors of the joint space: v = g_v(h_v) for images, u = g_u(h_u) for texts
    /// (<c>convirt embed --projected</c>); images and texts are compared in this space. Needs a ConVIRT encoder
    /// (<see cref="ConVirtEncoder.HasTextEncoder"/>).</summary>
    Projected,
}
