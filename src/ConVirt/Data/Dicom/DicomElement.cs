namespace ConVirt.Data.Dicom;

/// <summary>One kept data element: its value representation and raw value bytes, or its sequence items.</summary>
/// <param name="Tag">The tag.</param>
/// <param name="Vr">The value representation (from the file, or from <see cref="DicomTag.Kept"/> for Implicit VR).</param>
/// <param name="Value">The value bytes as stored (no padding removed).</param>
/// <param name="BigEndian">Numbers in <paramref name="Value"/> are big endian.</param>
/// <param name="Items">For a sequence (SQ) the items, else null.</param>
internal sealed record DicomElement(uint Tag, string Vr, ReadOnlyMemory<byte> Value, bool BigEndian, IReadOnlyList<DicomDataset>? Items = null);
