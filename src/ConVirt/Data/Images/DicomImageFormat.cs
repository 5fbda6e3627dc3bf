using ConVirt.Data.Dicom;

namespace ConVirt.Data.Images;

/// <summary>DICOM files (extension .dcm / .dicom, or preamble + "DICM", or a bare dataset) through <see cref="DicomPixelPipeline"/>.</summary>
internal sealed class DicomImageFormat : IImageFormat
{
    /// <inheritdoc/>
    public string Name => "DICOM";

    /// <inheritdoc/>
    public bool Recognises(string path, ReadOnlySpan<byte> head) =>
        Path.GetExtension(path).ToLowerInvariant() is ".dcm" or ".dicom" || DicomFile.LooksLikeDicom(head);

    /// <inheritdoc/>
    public string? Decode(string path, ImageDecodeOptions options, out GrayImage? image)
    {
        image = null;
        try
        {
            image = DecodeWithFacts(path, options).Image;
            return null;
        }
        catch (DicomFileException e)
        {
            return e.Reason;
        }
    }

    /// <summary>Decodes with the options' frame and window; returns the decoding facts too.</summary>
    /// <exception cref="DicomFileException">The file cannot be decoded.</exception>
    internal static (GrayImage Image, DicomDecodeFacts Facts) DecodeWithFacts(string path, ImageDecodeOptions options)
    {
        var file = DicomFile.Open(path, new DicomReadOptions(MaxPixels: options.MaxPixels));
        return DicomPixelPipeline.Decode(file, new DicomDecodeSettings(options.DicomFrame, options.DicomWindow));
    }
}
