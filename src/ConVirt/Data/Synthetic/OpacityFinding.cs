namespace ConVirt.Data.Synthetic;

/// <summary>A focal airspace opacity.</summary>
/// <param name="Lobe">Where it lies.</param>
/// <param name="Size">Small (radius about 5 % of the image) or large (about 10 %).</param>
internal sealed record OpacityFinding(LungLobe Lobe, FindingSize Size);
