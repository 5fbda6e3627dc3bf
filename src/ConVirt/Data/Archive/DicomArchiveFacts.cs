using ConVirt.Data.Dicom;

namespace ConVirt.Data.Archive;

/// <summary>Reads <see cref="ArchiveFacts"/> with the project's DICOM reader: the header only, no pixel data.</summary>
internal static class DicomArchiveFacts
{
    /// <summary>The facts of a DICOM file; null when the file does not look like DICOM.</summary>
    /// <exception cref="DicomFileException">The file looks like DICOM but its header cannot be read (the message names the file and the reason, never a value).</exception>
    public static ArchiveFacts? Read(string path)
    {
        if (!DicomFile.LooksLikeDicom(path)) return null;
        var h = DicomFile.ReadHeader(path);
        return new ArchiveFacts(h.PatientId, h.StudyInstanceUid, h.AccessionNumber, h.SopInstanceUid, h.ViewPosition, h.Modality);
    }
}
