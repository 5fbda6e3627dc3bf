using System.Diagnostics.CodeAnalysis;

namespace ConVirt.Data.Images;

/// <summary>
/// Decodes image files (DICOM, and whatever Skia's codecs read: PNG, JPEG, WebP, BMP, GIF, ...) into
/// <see cref="GrayImage"/>s with intensities in [0, 1], upright as displayed.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Colour becomes luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601).</item>
/// <item>Transparency is composited over black (a transparent pixel is 0), because in a radiograph black is
/// empty space and matches the usual border.</item>
/// <item>Values are the encoded values (no colour-space conversion, no gamma): what the file stores.</item>
/// <item>16-bit grayscale PNG keeps its full precision (own decoder; Skia would reduce it to 8 bits);
/// 16-bit RGB(A) PNG is decoded through half floats.</item>
/// <item>The EXIF orientation is applied to the pixels, so width and height may be swapped.</item>
/// <item>DICOM (by extension .dcm / .dicom or by content) goes through the DICOM reader and pixel pipeline
/// (<see cref="Dicom.DicomPixelPipeline"/>): window and frame from <see cref="ImageDecodeOptions.DicomWindow"/> and
/// <see cref="ImageDecodeOptions.DicomFrame"/>.</item>
/// <item>Images larger than <see cref="ImageDecodeOptions.MaxPixels"/> are refused after reading only the header.</item>
/// </list>
/// Thread-safe: every call has its own codec.
/// </remarks>
internal static class ImageDecoder
{
    private static readonly ImageDecodeOptions DefaultOptions = new();

    /// <summary>The formats, tried in order: the first that recognises a file decodes it (Skia takes the rest).</summary>
    private static readonly IImageFormat[] Formats = [new DicomImageFormat(), new SkiaImageFormat()];

    /// <summary>Decodes the image at <paramref name="path"/>.</summary>
    /// <exception cref="ImageDecodeException">The file is missing, empty, too large, truncated, corrupt or not an
    /// image; the message names the file and the reason.</exception>
    public static GrayImage Load(string path, ImageDecodeOptions? options = null)
    {
        if (TryLoad(path, out var image, out var error, options))
            return image;
        throw new ImageDecodeException(path, error);
    }

    /// <summary>Decodes the image at <paramref name="path"/>, or says why not.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="image">The decoded image when the result is true.</param>
    /// <param name="error">When the result is false: <c>PATH: reason</c>, for example
    /// <c>a.png: truncated (image data ends early)</c>.</param>
    /// <param name="options">Size limit and decoding scale; null for the defaults.</param>
    public static bool TryLoad(
        string path,
        [NotNullWhen(true)] out GrayImage? image,
        [NotNullWhen(false)] out string? error,
        ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= DefaultOptions;
        options.Validate();
        image = null;
        try
        {
            string? reason = Decode(path, options, out image);
            error = reason is null ? null : $"{path}: {reason}";
            return reason is null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot read file ({e.Message})";
            return false;
        }
    }

    /// <summary>Returns null and the image, or the reason for failure.</summary>
    private static string? Decode(string path, ImageDecodeOptions options, out GrayImage? image)
    {
        image = null;
        var file = new FileInfo(path);
        if (!file.Exists)
            return "file not found";
        if (file.Length == 0)
            return "empty file (0 bytes), not a decodable image";
        return FormatOf(path).Decode(path, options, out image);
    }

    /// <summary>The format that decodes <paramref name="path"/> (by extension or its first bytes).</summary>
    internal static IImageFormat FormatOf(string path)
    {
        Span<byte> head = stackalloc byte[132];
        int n;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        foreach (var format in Formats)
            if (format.Recognises(path, head[..n]))
                return format;
        return Formats[^1];
    }
}
