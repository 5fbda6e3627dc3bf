using SkiaSharp;

namespace ConVirt.Data.Dicom;

/// <summary>
/// JPEG Baseline (Process 1, 1.2.840.10008.1.2.4.50), 8-bit, through SkiaSharp (libjpeg-turbo). Colour
/// streams come out as RGB (libjpeg converts YCbCr), so the returned frame says "RGB" whatever the header's
/// YBR_FULL / YBR_FULL_422 says.
/// </summary>
internal sealed class JpegBaselineCodec : IDicomCodec
{
    /// <inheritdoc/>
    public IReadOnlyList<string> TransferSyntaxes { get; } = [DicomTransferSyntax.JpegBaseline.Uid];

    /// <inheritdoc/>
    public string Name => "JPEG baseline (SkiaSharp)";

    /// <inheritdoc/>
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        if (frame.Length < 4 || frame[0] != 0xFF || frame[1] != 0xD8)
            throw new DicomCodecException("the frame is not a JPEG stream (no SOI marker FFD8 at its start)");
        if (format.SamplesPerPixel is not (1 or 3)) throw new DicomCodecException($"JPEG with {format.SamplesPerPixel} samples per pixel is not supported");
        using var data = SKData.CreateCopy(frame);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var created)
            ?? throw new DicomCodecException($"the JPEG stream cannot be read ({created})");
        var info = codec.Info;
        if (info.Width != format.Columns || info.Height != format.Rows)
            throw new DicomCodecException($"the JPEG stream is {info.Width}x{info.Height}, the header says {format.Columns}x{format.Rows}");
        bool gray = format.SamplesPerPixel == 1;
        var target = new SKImageInfo(info.Width, info.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(target);
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DicomCodecException(result == SKCodecResult.IncompleteInput ? "the JPEG stream is truncated" : $"the JPEG stream is corrupt ({result})");
        var pixels = bitmap.GetPixelSpan();
        int w = info.Width, h = info.Height, rowBytes = bitmap.RowBytes;
        var output = new int[(long)w * h * format.SamplesPerPixel];
        for (int y = 0; y < h; y++)
        {
            var row = pixels.Slice(y * rowBytes, rowBytes);
            if (gray)
                for (int x = 0; x < w; x++) output[y * w + x] = row[x];
            else
                for (int x = 0; x < w; x++)
                {
                    int o = (y * w + x) * 3;
                    output[o] = row[4 * x]; output[o + 1] = row[4 * x + 1]; output[o + 2] = row[4 * x + 2];
                }
        }
        return new DicomFrame(output, gray ? format.Photometric : "RGB");
    }
}
