using System.Globalization;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Dicom;
using ConVirt.Data.Synthetic;
using SkiaSharp;

namespace ConVirt.Data.Images;

/// <summary>What the model sees of one image file: decoded (DICOM: windowed), then the evaluation transform.</summary>
/// <param name="Size">Side of the square output.</param>
/// <param name="Pixels">Size * Size intensities in [0, 1], row-major (the encoder's input before normalisation).</param>
/// <param name="Facts">How the file was decoded: format, size and, for DICOM, transfer syntax, bits,
/// photometric and window. Never header values such as names, IDs or dates.</param>
internal sealed record ImagePreview(int Size, float[] Pixels, IReadOnlyList<string> Facts)
{
    /// <summary>Decodes <paramref name="path"/> as <see cref="ImageDecoder"/> does and applies <see cref="EvalTransform"/>.</summary>
    /// <exception cref="ImageDecodeException">The file cannot be decoded; the message names it and the reason.</exception>
    public static ImagePreview Create(string path, int size = 224, ImageDecodeOptions? options = null)
    {
        options ??= new ImageDecodeOptions();
        options.Validate();
        var transform = new EvalTransform(size);
        var facts = new List<string>();
        GrayImage image;
        if (File.Exists(path) && ImageDecoder.FormatOf(path) is DicomImageFormat)
        {
            try
            {
                var (decoded, dicomFacts) = DicomImageFormat.DecodeWithFacts(path, options);
                image = decoded;
                facts.Add("format: DICOM");
                facts.AddRange(dicomFacts.Lines());
            }
            catch (DicomFileException e)
            {
                throw new ImageDecodeException(path, e.Message, e);
            }
        }
        else
        {
            image = ImageDecoder.Load(path, options);
            using var codec = SKCodec.Create(path);
            facts.Add($"format: {codec?.EncodedFormat.ToString() ?? "image"} (Skia)");
            facts.Add(string.Create(CultureInfo.InvariantCulture, $"size: {image.Width} x {image.Height}"));
            if (codec is not null) facts.Add($"colour type: {codec.Info.ColorType}");
        }
        facts.Add(string.Create(CultureInfo.InvariantCulture, $"model input: {size} x {size} (evaluation transform: short side to {size}, centre crop)"));
        return new ImagePreview(size, transform.Apply(image), facts);
    }

    /// <summary>Writes the pixels as an 8-bit grayscale PNG (through a temporary file and a rename).</summary>
    public void SavePng(string path)
    {
        var bytes = GrayPngWriter.Encode(new GrayImage(Size, Size, Pixels));
        Runtime.AtomicFile.WriteAllBytes(path, bytes);
    }
}
