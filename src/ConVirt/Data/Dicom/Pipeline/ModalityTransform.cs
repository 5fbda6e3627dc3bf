namespace ConVirt.Data.Dicom;

/// <summary>Chooses the Modality LUT stage from a header: the Modality LUT Sequence, else Rescale Slope / Intercept.</summary>
internal static class ModalityTransform
{
    /// <summary>The modality transform <paramref name="header"/> describes.</summary>
    public static IModalityTransform From(DicomHeader header)
    {
        var items = header.Dataset.GetSequence(DicomTag.ModalityLutSequence);
        if (items.Count > 0 && LookupTable.FromItem(items[0], header.PixelRepresentation == 1) is { } table)
            return new LutModality(table);
        return new RescaleModality(header.RescaleSlope ?? 1, header.RescaleIntercept ?? 0);
    }
}
