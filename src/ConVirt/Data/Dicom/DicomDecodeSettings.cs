using ConVirt.Data;

namespace ConVirt.Data.Dicom;

/// <summary>Which frame and which window a DICOM file is decoded with.</summary>
/// <param name="Frame">The frame (0-based; default 0).</param>
/// <param name="Window">The VOI rule (default <see cref="DicomWindowChoice.First"/>); null for the default.</param>
internal sealed record DicomDecodeSettings(int Frame = 0, DicomWindowChoice? Window = null)
{
    /// <summary>The window rule, defaulted.</summary>
    public DicomWindowChoice WindowChoice => Window ?? DicomWindowChoice.First;
}
