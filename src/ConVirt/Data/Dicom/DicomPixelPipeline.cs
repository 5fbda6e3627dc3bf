
namespace ConVirt.Data.Dicom;

/// <summary>
/// A DICOM frame to a <see cref="GrayImage"/> in [0, 1], in the standard's order (as pydicom and viewers):
/// codec -> mask to Bits Stored and sign-extend -> Modality LUT (Rescale or LUT Sequence) -> VOI (window,
/// VOI LUT or min..max) -> MONOCHROME1 / Presentation LUT Shape INVERSE inversion. Colour (RGB, YBR_FULL,
/// YBR_FULL_422, PALETTE COLOR) becomes luminance. Full precision is kept (float, no 8-bit step).
/// </summary>
internal static class DicomPixelPipeline
{
    /// <summary>Decodes frame <see cref="DicomDecodeSettings.Frame"/> of <paramref name="file"/>.</summary>
    /// <exception cref="DicomFileException">The frame cannot be decoded; the message names the file, the
    /// transfer syntax where it matters, and the reason.</exception>
    public static (GrayImage Image, DicomDecodeFacts Facts) Decode(DicomFile file, DicomDecodeSettings? settings = null)
    {
        settings ??= new DicomDecodeSettings();
        var header = file.Header;
        var format = header.PixelFormat;
        try
        {
            var codec = DicomCodecRegistry.Get(header.TransferSyntax);
            var frame = DecodeStored(file, settings.Frame, codec);
            var pixels = new float[format.PixelCount];
            string? modalityText = null, window;
            bool inverted = false;
            if (format.SamplesPerPixel == 3)
            {
                ColorToLuminance.Apply(frame.Samples, frame.Photometric, format.BitsStored, pixels);
                window = $"none (colour {frame.Photometric} -> luminance)";
            }
            else if (format.Photometric == "PALETTE COLOR")
            {
                PaletteColorLut.From(header).Apply(frame.Samples, pixels);
                window = "none (PALETTE COLOR -> luminance)";
            }
            else if (format.Photometric is "MONOCHROME1" or "MONOCHROME2")
            {
                var modality = ModalityTransform.From(header);
                var values = ApplyModality(frame.Samples, modality);
                var voi = VoiSelector.Select(header, settings.WindowChoice);
                voi.Apply(values, pixels);
                modalityText = modality.Description;
                window = voi.Description;
                inverted = format.Photometric == "MONOCHROME1" || header.PresentationLutShape == "INVERSE";
                if (inverted) for (int i = 0; i < pixels.Length; i++) pixels[i] = 1 - pixels[i];
            }
            else
            {
                throw new DicomCodecException($"Photometric Interpretation {format.Photometric} with {format.SamplesPerPixel} sample(s) per pixel is not supported");
            }
            var facts = new DicomDecodeFacts(header.TransferSyntax, codec.Name, format.Columns, format.Rows, file.FrameCount, settings.Frame,
                format.BitsStored, format.BitsAllocated, format.Signed, format.Photometric, frame.Photometric, modalityText, window, inverted);
            return (new GrayImage(format.Columns, format.Rows, pixels), facts);
        }
        catch (DicomCodecException e)
        {
            throw new DicomFileException(file.Path, e is DicomCodecUnavailableException || e.Message.StartsWith("unsupported transfer syntax", StringComparison.Ordinal)
                ? e.Message : $"{header.TransferSyntax.Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The stored values of one frame: decoded by the transfer syntax's codec, masked to Bits Stored and
    /// sign-extended (grey data), pixel-interleaved; the frame's Photometric says their colour space.
    /// </summary>
    /// <exception cref="DicomCodecException">No codec, or the codec failed.</exception>
    public static DicomFrame DecodeStored(DicomFile file, int frameIndex, IDicomCodec? codec = null)
    {
        var header = file.Header;
        var format = header.PixelFormat;
        codec ??= DicomCodecRegistry.Get(header.TransferSyntax);
        var data = file.GetFrameData(frameIndex);
        var frame = codec.Decode(data.Span, format);
        if (frame.Samples.Length != format.PixelCount * format.SamplesPerPixel)
            throw new DicomCodecException($"the codec returned {frame.Samples.Length:N0} samples, the header needs {format.PixelCount * format.SamplesPerPixel:N0}");
        if (format.SamplesPerPixel == 1)
            StoredValueMask.Apply(frame.Samples, format.BitsStored, format.Signed);
        return frame;
    }

    /// <summary>The Modality LUT stage over a frame's stored values.</summary>
    public static double[] ApplyModality(ReadOnlySpan<int> stored, IModalityTransform modality)
    {
        var values = new double[stored.Length];
        for (int i = 0; i < stored.Length; i++) values[i] = modality.Map(stored[i]);
        return values;
    }
}
