namespace ConVirt.Data.Synthetic;

/// <summary>One generated image-report pair.</summary>
/// <param name="Index">The case's index in its data set.</param>
/// <param name="Image">The radiograph, quantised to 8-bit levels (k / 255) so it equals its PNG.</param>
/// <param name="Findings">What the image shows.</param>
/// <param name="Report">A radiology report written from the same findings.</param>
internal sealed record SyntheticCase(int Index, GrayImage Image, Findings Findings, string Report);
