namespace ConVirt.Data.Dicom;

/// <summary>What <see cref="DicomWriter"/> puts into the header besides the pixels. Null values are left out
/// (UIDs are then derived from the pixels, so the same input writes the same file).</summary>
/// <param name="BitsStored">Bits Stored: 1..8 for 8-bit pixels, 9..16 for 16-bit (default: Bits Allocated).</param>
/// <param name="Photometric">MONOCHROME2 (default) or MONOCHROME1.</param>
/// <param name="WindowCenter">Window Center (0028,1050).</param>
/// <param name="WindowWidth">Window Width (0028,1051).</param>
/// <param name="RescaleSlope">Rescale Slope (0028,1053).</param>
/// <param name="RescaleIntercept">Rescale Intercept (0028,1052).</param>
/// <param name="PatientId">Patient ID (0010,0020).</param>
/// <param name="StudyInstanceUid">Study Instance UID (0020,000D).</param>
/// <param name="SeriesInstanceUid">Series Instance UID (0020,000E).</param>
/// <param name="SopInstanceUid">SOP Instance UID (0008,0018).</param>
/// <param name="AccessionNumber">Accession Number (0008,0050).</param>
/// <param name="ViewPosition">View Position (0018,5101), e.g. PA.</param>
/// <param name="Modality">Modality (0008,0060), default OT.</param>
internal sealed record DicomWriteOptions(
    int? BitsStored = null,
    string Photometric = "MONOCHROME2",
    double? WindowCenter = null,
    double? WindowWidth = null,
    double? RescaleSlope = null,
    double? RescaleIntercept = null,
    string? PatientId = null,
    string? StudyInstanceUid = null,
    string? SeriesInstanceUid = null,
    string? SopInstanceUid = null,
    string? AccessionNumber = null,
    string? ViewPosition = null,
    string Modality = "OT");
