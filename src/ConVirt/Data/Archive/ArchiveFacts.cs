namespace ConVirt.Data.Archive;

/// <summary>
/// What the manifest builder reads from one DICOM header. Identifiers are patient data: they are joined and
/// pseudonymised, never written or printed as they are.
/// </summary>
internal sealed record ArchiveFacts(
    string? PatientId,
    string? StudyInstanceUid,
    string? AccessionNumber,
    string? SopInstanceUid,
    string? ViewPosition,
    string? Modality);

/// <summary>Which header value joins an image to its report.</summary>
internal enum ReportKey
{
    /// <summary>Accession Number (0008,0050).</summary>
    Accession,

    /// <summary>Study Instance UID (0020,000D).</summary>
    StudyUid,
}
