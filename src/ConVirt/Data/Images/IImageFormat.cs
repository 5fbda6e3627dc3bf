namespace ConVirt.Data.Images;

/// <summary>One image file format behind <see cref="ImageDecoder"/>: recognises its files and decodes them.</summary>
internal interface IImageFormat
{
    /// <summary>Short name for messages.</summary>
    string Name { get; }

    /// <summary>True when this format decodes the file (by its extension or its first up to 132 bytes).</summary>
    bool Recognises(string path, ReadOnlySpan<byte> head);

    /// <summary>Decodes an existing, non-empty file: null and the image, or the reason it failed (without the path).</summary>
    string? Decode(string path, ImageDecodeOptions options, out GrayImage? image);
}
