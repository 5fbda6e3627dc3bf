namespace ConVirt.Data.Dicom;

/// <summary>
/// A DICOM file that cannot be read or decoded. The message is <c>PATH: reason</c>; the reason names what is
/// wrong (a tag, an offset, a length, a transfer syntax) and never a header value such as a name or an ID.
/// </summary>
internal sealed class DicomFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public DicomFileException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        FilePath = path;
        Reason = reason;
    }

    /// <summary>The file as it was given.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Reason { get; }
}
