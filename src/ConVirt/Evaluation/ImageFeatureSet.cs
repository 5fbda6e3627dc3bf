using ConVirt.Data;

namespace ConVirt.Evaluation;

/// <summary>Image features of manifest rows, extracted once with the deterministic evaluation transform.</summary>
/// <param name="Features">[n, d] features, row i for <c>Rows[i]</c>.</param>
/// <param name="Rows">Rows whose image decoded, in manifest order.</param>
/// <param name="Unreadable">Rows skipped because the image could not be decoded ("file:line: field 'image': reason").</param>
internal sealed record ImageFeatureSet(float[,] Features, IReadOnlyList<ManifestRow> Rows, IReadOnlyList<string> Unreadable)
{
    /// <summary>Feature dimension d.</summary>
    public int Dimension => Features.GetLength(1);
}
