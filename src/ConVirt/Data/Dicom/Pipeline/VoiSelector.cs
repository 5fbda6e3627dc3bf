using ConVirt.Data;
namespace ConVirt.Data.Dicom;

/// <summary>Chooses the VOI stage for a grey image from its header and the <see cref="DicomWindowChoice"/>.</summary>
internal static class VoiSelector
{
    /// <summary>
    /// <c>first</c>: window 0 when valid (an invalid one, e.g. width 0, is passed over, never divided by), else
    /// VOI LUT Sequence item 0, else the frame's min..max. <c>index:N</c>: window N, which must exist and be
    /// valid. <c>minmax</c>: the frame's min..max.
    /// </summary>
    /// <exception cref="DicomCodecException"><c>index:N</c> names a window the file does not have, or an invalid one.</exception>
    public static IVoiTransform Select(DicomHeader header, DicomWindowChoice choice)
    {
        if (choice.Mode == DicomWindowMode.MinMax) return new MinMaxVoi();
        var centers = header.WindowCenters;
        var widths = header.WindowWidths;
        int windows = Math.Min(centers.Count, widths.Count);
        var function = WindowVoi.ParseFunction(header.Dataset.GetStrings(DicomTag.VoiLutFunction) is [var f, ..] ? f : null);
        if (choice.Mode == DicomWindowMode.Index)
        {
            if (choice.Index >= windows)
                throw new DicomCodecException($"window index:{choice.Index} requested, but the header has {windows} Window Center/Width pair(s)");
            if (function is not { } fn || !WindowVoi.IsValid(centers[choice.Index], widths[choice.Index], fn))
                throw new DicomCodecException($"window {choice.Index} is not usable (width {widths[choice.Index]} for {function?.ToString() ?? "an unknown VOI LUT Function"})");
            return new WindowVoi(centers[choice.Index], widths[choice.Index], fn, choice.Index);
        }
        if (windows > 0 && function is { } first && WindowVoi.IsValid(centers[0], widths[0], first))
            return new WindowVoi(centers[0], widths[0], first, 0);
        var luts = header.Dataset.GetSequence(DicomTag.VoiLutSequence);
        if (luts.Count > 0 && LookupTable.FromItem(luts[0], header.PixelRepresentation == 1) is { } table)
            return new LutVoi(table, 0);
        return new MinMaxVoi();
    }
}
