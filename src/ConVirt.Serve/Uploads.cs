using ConVirt.Data.Images;
using ConVirt.Data;
using Microsoft.AspNetCore.Http;

namespace ConVirt.Serve;

/// <summary>Decodes an uploaded PNG, JPEG or DICOM through <see cref="ImageDecoder"/>, with the image-size guard, from a private temporary file deleted at once.</summary>
internal static class Uploads
{
    static readonly string Folder = Path.Combine(Path.GetTempPath(), $"convirt-serve-{Environment.ProcessId}");

    /// <summary>The decoded image.</summary>
    /// <exception cref="ApiException">422 when the file is not a decodable image or its header reports more than <paramref name="maxPixels"/> pixels.</exception>
    public static async Task<GrayImage> Decode(IFormFile file, long maxPixels, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Folder);
        else Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);   // 0700: only this user
        // the extension decides only DICOM-by-name; PNG, JPEG and DICOM with a preamble are recognised by content
        var extension = Path.GetExtension(file.FileName).ToLowerInvariant() is ".dcm" or ".dicom" ? ".dcm" : ".upload";
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + extension);
        try
        {
            await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await file.CopyToAsync(stream, cancellation);
            return Decode(path, maxPixels);
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    /// <summary>Decodes a file as an upload (messages without the temporary path).</summary>
    public static GrayImage Decode(string path, long maxPixels)
    {
        if (ImageDecoder.TryLoad(path, out var image, out var error, new ImageDecodeOptions(MaxPixels: maxPixels))) return image;
        var reason = error.StartsWith(path + ": ", StringComparison.Ordinal) ? error[(path.Length + 2)..] : error.Replace(path, "upload", StringComparison.Ordinal);
        throw new ApiException(422, $"the uploaded file cannot be used: {reason}");
    }
}
