namespace ConVirt.Data.Dicom;

/// <summary>The Modality LUT stage: stored values to modality values (e.g. Hounsfield units).</summary>
internal interface IModalityTransform
{
    /// <summary>Maps one stored value.</summary>
    double Map(int stored);

    /// <summary>
    /// The range of modality values the stored range can produce (pydicom's y_min / y_max for windowing):
    /// the stored range through the rescale, or 0..2^n-1 for an n-bit LUT.
    /// </summary>
    (double Min, double Max) OutputRange(int bitsStored, bool signed);

    /// <summary>Short description for decoding facts, e.g. "rescale 1 / -1024".</summary>
    string Description { get; }
}
