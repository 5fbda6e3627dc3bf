namespace ConVirt.Data.Dicom;

/// <summary>
/// The header of a DICOM file: the attributes the pixel pipeline and a manifest builder need, typed. Values
/// such as <see cref="PatientId"/> are patient data: use them for joins and pseudonyms, never print them;
/// <see cref="ToString"/> shows only the image geometry and the transfer syntax.
/// </summary>
internal sealed class DicomHeader
{
    internal DicomHeader(DicomDataset dataset, DicomTransferSyntax transferSyntax, bool hasPreamble, bool hasFileMeta)
    {
        Dataset = dataset;
        TransferSyntax = transferSyntax;
        HasPreamble = hasPreamble;
        HasFileMeta = hasFileMeta;
    }

    /// <summary>All kept attributes (File Meta group included).</summary>
    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax (Implicit VR Little Endian when the file has no File Meta group).</summary>
    public DicomTransferSyntax TransferSyntax { get; }

    /// <summary>The file starts with the 128-byte preamble and "DICM".</summary>
    public bool HasPreamble { get; }

    /// <summary>The file has a File Meta group (0002,xxxx).</summary>
    public bool HasFileMeta { get; }

    // --- identifiers for manifests (patient data: never log) ---
    /// <summary>Patient ID (0010,0020).</summary>
    public string? PatientId => Dataset.GetString(DicomTag.PatientId);
    /// <summary>Study Instance UID (0020,000D).</summary>
    public string? StudyInstanceUid => Dataset.GetString(DicomTag.StudyInstanceUid);
    /// <summary>Series Instance UID (0020,000E).</summary>
    public string? SeriesInstanceUid => Dataset.GetString(DicomTag.SeriesInstanceUid);
    /// <summary>SOP Instance UID (0008,0018), else Media Storage SOP Instance UID (0002,0003).</summary>
    public string? SopInstanceUid => Dataset.GetString(DicomTag.SopInstanceUid) ?? Dataset.GetString(DicomTag.MediaStorageSopInstanceUid);
    /// <summary>SOP Class UID (0008,0016), else Media Storage SOP Class UID (0002,0002).</summary>
    public string? SopClassUid => Dataset.GetString(DicomTag.SopClassUid) ?? Dataset.GetString(DicomTag.MediaStorageSopClassUid);
    /// <summary>Accession Number (0008,0050).</summary>
    public string? AccessionNumber => Dataset.GetString(DicomTag.AccessionNumber);
    /// <summary>Study Date (0008,0020), as stored (YYYYMMDD).</summary>
    public string? StudyDate => Dataset.GetString(DicomTag.StudyDate);
    /// <summary>Modality (0008,0060), e.g. CR, DX, CT.</summary>
    public string? Modality => Dataset.GetString(DicomTag.Modality);
    /// <summary>View Position (0018,5101), e.g. PA, AP, LL.</summary>
    public string? ViewPosition => Dataset.GetString(DicomTag.ViewPosition);
    /// <summary>Body Part Examined (0018,0015).</summary>
    public string? BodyPartExamined => Dataset.GetString(DicomTag.BodyPartExamined);
    /// <summary>Image Type (0008,0008) values, e.g. ORIGINAL, PRIMARY.</summary>
    public IReadOnlyList<string> ImageType => Dataset.GetStrings(DicomTag.ImageType);
    /// <summary>Image Laterality (0020,0062).</summary>
    public string? ImageLaterality => Dataset.GetString(DicomTag.ImageLaterality);
    /// <summary>Series Description (0008,103E).</summary>
    public string? SeriesDescription => Dataset.GetString(DicomTag.SeriesDescription);
    /// <summary>Instance Number (0020,0013).</summary>
    public int? InstanceNumber => Dataset.GetDecimal(DicomTag.InstanceNumber) is double d ? (int)d : null;

    // --- image pixel module ---
    /// <summary>Rows (0028,0010); 0 when absent.</summary>
    public int Rows => Dataset.GetUInt16(DicomTag.Rows) ?? 0;
    /// <summary>Columns (0028,0011); 0 when absent.</summary>
    public int Columns => Dataset.GetUInt16(DicomTag.Columns) ?? 0;
    /// <summary>Samples per Pixel (0028,0002); 1 when absent.</summary>
    public int SamplesPerPixel => Dataset.GetUInt16(DicomTag.SamplesPerPixel) ?? 1;
    /// <summary>Bits Allocated (0028,0100); 0 when absent.</summary>
    public int BitsAllocated => Dataset.GetUInt16(DicomTag.BitsAllocated) ?? 0;
    /// <summary>Bits Stored (0028,0101); Bits Allocated when absent.</summary>
    public int BitsStored => Dataset.GetUInt16(DicomTag.BitsStored) ?? BitsAllocated;
    /// <summary>Pixel Representation (0028,0103): 0 unsigned, 1 two's complement.</summary>
    public int PixelRepresentation => Dataset.GetUInt16(DicomTag.PixelRepresentation) ?? 0;
    /// <summary>Photometric Interpretation (0028,0004), e.g. MONOCHROME2; MONOCHROME2 when absent.</summary>
    public string Photometric => Dataset.GetString(DicomTag.PhotometricInterpretation)?.ToUpperInvariant() ?? "MONOCHROME2";
    /// <summary>Planar Configuration (0028,0006): 0 pixel-interleaved, 1 colour-by-plane.</summary>
    public int PlanarConfiguration => Dataset.GetUInt16(DicomTag.PlanarConfiguration) ?? 0;
    /// <summary>Number of Frames (0028,0008); 1 when absent or not a positive number.</summary>
    public int NumberOfFrames => Dataset.GetDecimal(DicomTag.NumberOfFrames) is double d && d >= 1 && d <= int.MaxValue ? (int)d : 1;

    // --- grey-level pipeline ---
    /// <summary>Rescale Slope (0028,1053), or null.</summary>
    public double? RescaleSlope => Dataset.GetDecimal(DicomTag.RescaleSlope);
    /// <summary>Rescale Intercept (0028,1052), or null.</summary>
    public double? RescaleIntercept => Dataset.GetDecimal(DicomTag.RescaleIntercept);
    /// <summary>Window Center (0028,1050) values.</summary>
    public IReadOnlyList<double> WindowCenters => Dataset.GetDecimals(DicomTag.WindowCenter) ?? [];
    /// <summary>Window Width (0028,1051) values.</summary>
    public IReadOnlyList<double> WindowWidths => Dataset.GetDecimals(DicomTag.WindowWidth) ?? [];
    /// <summary>VOI LUT Function (0028,1056): LINEAR (default), LINEAR_EXACT or SIGMOID.</summary>
    public string VoiLutFunction => Dataset.GetString(DicomTag.VoiLutFunction)?.ToUpperInvariant() ?? "LINEAR";
    /// <summary>Presentation LUT Shape (2050,0020): IDENTITY or INVERSE, or null.</summary>
    public string? PresentationLutShape => Dataset.GetString(DicomTag.PresentationLutShape)?.ToUpperInvariant();
    /// <summary>Lossy Image Compression (0028,2110) is "01".</summary>
    public bool LossyImageCompression => Dataset.GetString(DicomTag.LossyImageCompression) == "01";

    /// <summary>The pixel description handed to codecs.</summary>
    public DicomPixelFormat PixelFormat =>
        new(Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored, PixelRepresentation, Photometric, PlanarConfiguration);

    /// <summary>Geometry and encoding only (no identifiers, names or dates).</summary>
    public override string ToString() =>
        $"DICOM {Columns}x{Rows}x{NumberOfFrames}, {SamplesPerPixel} sample(s), {BitsStored}/{BitsAllocated} bits{(PixelRepresentation == 1 ? " signed" : "")}, {Photometric}, {TransferSyntax}";
}
