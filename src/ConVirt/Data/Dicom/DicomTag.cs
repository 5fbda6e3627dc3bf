namespace ConVirt.Data.Dicom;

/// <summary>
/// The DICOM attribute tags the reader keeps (group in the high 16 bits, element in the low 16), and the
/// item / delimiter tags of the encoding. Only these attributes are read; everything else is skipped.
/// </summary>
internal static class DicomTag
{
    /// <summary>Makes a tag from its group and element.</summary>
    public static uint Of(ushort group, ushort element) => ((uint)group << 16) | element;

    /// <summary>Formats a tag as <c>(gggg,eeee)</c> for messages.</summary>
    public static string Format(uint tag) => $"({tag >> 16:X4},{tag & 0xFFFF:X4})";

#pragma warning disable CS1591 // the names are the DICOM keywords
    public const uint FileMetaGroupLength = 0x0002_0000;
    public const uint MediaStorageSopClassUid = 0x0002_0002;
    public const uint MediaStorageSopInstanceUid = 0x0002_0003;
    public const uint TransferSyntaxUid = 0x0002_0010;

    public const uint SpecificCharacterSet = 0x0008_0005;
    public const uint ImageType = 0x0008_0008;
    public const uint SopClassUid = 0x0008_0016;
    public const uint SopInstanceUid = 0x0008_0018;
    public const uint StudyDate = 0x0008_0020;
    public const uint AccessionNumber = 0x0008_0050;
    public const uint Modality = 0x0008_0060;
    public const uint SeriesDescription = 0x0008_103E;
    public const uint PatientId = 0x0010_0020;
    public const uint BodyPartExamined = 0x0018_0015;
    public const uint ViewPosition = 0x0018_5101;
    public const uint StudyInstanceUid = 0x0020_000D;
    public const uint SeriesInstanceUid = 0x0020_000E;
    public const uint InstanceNumber = 0x0020_0013;
    public const uint ImageLaterality = 0x0020_0062;

    public const uint SamplesPerPixel = 0x0028_0002;
    public const uint PhotometricInterpretation = 0x0028_0004;
    public const uint PlanarConfiguration = 0x0028_0006;
    public const uint NumberOfFrames = 0x0028_0008;
    public const uint Rows = 0x0028_0010;
    public const uint Columns = 0x0028_0011;
    public const uint BitsAllocated = 0x0028_0100;
    public const uint BitsStored = 0x0028_0101;
    public const uint HighBit = 0x0028_0102;
    public const uint PixelRepresentation = 0x0028_0103;
    public const uint WindowCenter = 0x0028_1050;
    public const uint WindowWidth = 0x0028_1051;
    public const uint RescaleIntercept = 0x0028_1052;
    public const uint RescaleSlope = 0x0028_1053;
    public const uint RescaleType = 0x0028_1054;
    public const uint VoiLutFunction = 0x0028_1056;
    public const uint RedPaletteLutDescriptor = 0x0028_1101;
    public const uint GreenPaletteLutDescriptor = 0x0028_1102;
    public const uint BluePaletteLutDescriptor = 0x0028_1103;
    public const uint RedPaletteLutData = 0x0028_1201;
    public const uint GreenPaletteLutData = 0x0028_1202;
    public const uint BluePaletteLutData = 0x0028_1203;
    public const uint SegmentedRedPaletteLutData = 0x0028_1221;
    public const uint SegmentedGreenPaletteLutData = 0x0028_1222;
    public const uint SegmentedBluePaletteLutData = 0x0028_1223;
    public const uint LossyImageCompression = 0x0028_2110;
    public const uint ModalityLutSequence = 0x0028_3000;
    public const uint LutDescriptor = 0x0028_3002;
    public const uint LutExplanation = 0x0028_3003;
    public const uint ModalityLutType = 0x0028_3004;
    public const uint LutData = 0x0028_3006;
    public const uint VoiLutSequence = 0x0028_3010;
    public const uint PresentationLutShape = 0x2050_0020;
    public const uint PixelData = 0x7FE0_0010;

    public const uint Item = 0xFFFE_E000;
    public const uint ItemDelimitationItem = 0xFFFE_E00D;
    public const uint SequenceDelimitationItem = 0xFFFE_E0DD;
#pragma warning restore CS1591

    /// <summary>
    /// The kept attributes and their value representation, used to read Implicit VR data (where the file
    /// does not say) and to choose which elements the reader keeps. "xs" marks "US or SS", "ox" "US or OW".
    /// </summary>
    internal static readonly IReadOnlyDictionary<uint, string> Kept = new Dictionary<uint, string>
    {
        [FileMetaGroupLength] = "UL", [MediaStorageSopClassUid] = "UI", [MediaStorageSopInstanceUid] = "UI", [TransferSyntaxUid] = "UI",
        [SpecificCharacterSet] = "CS", [ImageType] = "CS", [SopClassUid] = "UI", [SopInstanceUid] = "UI", [StudyDate] = "DA",
        [AccessionNumber] = "SH", [Modality] = "CS", [SeriesDescription] = "LO", [PatientId] = "LO", [BodyPartExamined] = "CS",
        [ViewPosition] = "CS", [StudyInstanceUid] = "UI", [SeriesInstanceUid] = "UI", [InstanceNumber] = "IS", [ImageLaterality] = "CS",
        [SamplesPerPixel] = "US", [PhotometricInterpretation] = "CS", [PlanarConfiguration] = "US", [NumberOfFrames] = "IS",
        [Rows] = "US", [Columns] = "US", [BitsAllocated] = "US", [BitsStored] = "US", [HighBit] = "US", [PixelRepresentation] = "US",
        [WindowCenter] = "DS", [WindowWidth] = "DS", [RescaleIntercept] = "DS", [RescaleSlope] = "DS", [RescaleType] = "LO",
        [VoiLutFunction] = "CS",
        [RedPaletteLutDescriptor] = "xs", [GreenPaletteLutDescriptor] = "xs", [BluePaletteLutDescriptor] = "xs",
        [RedPaletteLutData] = "OW", [GreenPaletteLutData] = "OW", [BluePaletteLutData] = "OW",
        [SegmentedRedPaletteLutData] = "OW", [SegmentedGreenPaletteLutData] = "OW", [SegmentedBluePaletteLutData] = "OW",
        [LossyImageCompression] = "CS", [ModalityLutSequence] = "SQ", [LutDescriptor] = "xs", [LutExplanation] = "LO",
        [ModalityLutType] = "LO", [LutData] = "ox", [VoiLutSequence] = "SQ", [PresentationLutShape] = "CS",
    };
}
