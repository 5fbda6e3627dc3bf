namespace ConVirt.Data.Dicom;

/// <summary>Where Pixel Data (7FE0,0010) lies in the parsed buffer.</summary>
/// <param name="Encapsulated">Undefined length: a Basic Offset Table item then fragments.</param>
/// <param name="ValueOffset">First byte of the value (native) or of the first item (encapsulated).</param>
/// <param name="DeclaredLength">The element's length field (0xFFFFFFFF when encapsulated).</param>
/// <param name="AvailableLength">Native: the bytes of the value actually in the file.</param>
/// <param name="BigEndian">Native values are big endian (Explicit VR Big Endian).</param>
/// <param name="Vr">OB or OW (or empty for Implicit VR).</param>
/// <param name="Items">Encapsulated: (offset, length) of every item's value, the Basic Offset Table first.</param>
/// <param name="MissingDelimiter">Encapsulated: the file ends after the last complete fragment without the
/// Sequence Delimitation Item (accepted, as tolerant readers do).</param>
internal sealed record DicomPixelData(
    bool Encapsulated, int ValueOffset, uint DeclaredLength, int AvailableLength, bool BigEndian, string Vr,
    IReadOnlyList<(int Offset, int Length)> Items, bool MissingDelimiter);
