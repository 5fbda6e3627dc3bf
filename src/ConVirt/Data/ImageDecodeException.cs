namespace ConVirt.Data;

/// <summary>An image file that cannot be decoded; the message names the file and the reason.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception for <paramref name="imagePath"/>.</summary>
    public ImageDecodeException(string imagePath, string message, Exception? inner = null)
        : base(message, inner)
    {
        ImagePath = imagePath;
    }

    /// <summary>The image path as it was given.</summary>
    public string ImagePath { get; }
}
