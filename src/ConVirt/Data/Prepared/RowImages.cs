using ConVirt.Data.Images;
using System.Diagnostics.CodeAnalysis;

namespace ConVirt.Data.Prepared;

/// <summary>Loads the image of a row: from its file through <see cref="ImageDecoder"/>, or from its shard for a prepared row.</summary>
internal static class RowImages
{
    /// <summary>Decodes the row's image, or says why not (<c>PATH: reason</c>, or <c>SHARD: key K: reason</c>).</summary>
    public static bool TryLoad(ManifestRow row, [NotNullWhen(true)] out GrayImage? image, [NotNullWhen(false)] out string? error, ImageDecodeOptions? options = null)
    {
        if (row.Shard is not { } shard) return ImageDecoder.TryLoad(row.ImagePath, out image, out error, options);
        image = null;
        byte[] png;
        try
        {
            png = ShardReader.ReadAt(row.ImagePath, shard.Offset, shard.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{Path.GetFileName(row.ImagePath)}: key {shard.Key}: cannot read the image ({e.Message})";
            return false;
        }
        if (ShardImageCodec.TryDecode(png, out image, out var why)) { error = null; return true; }
        error = $"{Path.GetFileName(row.ImagePath)}: key {shard.Key}: {why}";
        return false;
    }
}
