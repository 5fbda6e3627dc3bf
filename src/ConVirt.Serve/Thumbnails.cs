using ConVirt.Data;
using SkiaSharp;

namespace ConVirt.Serve;

/// <summary>Small 8-bit grey PNGs of decoded images: what the page shows, never the original file (no DICOM header leaves the service).</summary>
internal static class Thumbnails
{
    /// <summary>
    /// The image as an 8-bit grey PNG whose longer side is at most <paramref name="maxSide"/>: smaller images keep
    /// their size (value v becomes round(255 v)); larger ones are reduced with area averaging (each output pixel the
    /// mean of the source pixels it covers).
    /// </summary>
    public static byte[] Encode(GrayImage image, int maxSide)
    {
        ArgumentNullException.ThrowIfNull(image);
        double f = Math.Min(1.0, (double)maxSide / Math.Max(image.Width, image.Height));
        int w = Math.Max(1, (int)Math.Round(image.Width * f)), h = Math.Max(1, (int)Math.Round(image.Height * f));
        var pixels = f >= 1.0 ? image.Pixels : AreaAverage(image, w, h);
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        int rowBytes = bitmap.RowBytes;
        unsafe
        {
            byte* p = (byte*)bitmap.GetPixels();
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    p[y * rowBytes + x] = (byte)Math.Clamp(Math.Round(255 * pixels[y * w + x]), 0, 255);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Mean of the source area each output pixel covers (fractional edges weighted).</summary>
    static float[] AreaAverage(GrayImage image, int w, int h)
    {
        var output = new float[w * h];
        double sx = (double)image.Width / w, sy = (double)image.Height / h;
        for (int y = 0; y < h; y++)
        {
            double y0 = y * sy, y1 = (y + 1) * sy;
            for (int x = 0; x < w; x++)
            {
                double x0 = x * sx, x1 = (x + 1) * sx, sum = 0, area = 0;
                for (int v = (int)y0; v < Math.Min(image.Height, (int)Math.Ceiling(y1)); v++)
                {
                    double wy = Math.Min(y1, v + 1) - Math.Max(y0, v);
                    for (int u = (int)x0; u < Math.Min(image.Width, (int)Math.Ceiling(x1)); u++)
                    {
                        double wgt = wy * (Math.Min(x1, u + 1) - Math.Max(x0, u));
                        sum += wgt * image.Pixels[v * image.Width + u];
                        area += wgt;
                    }
                }
                output[y * w + x] = (float)(sum / area);
            }
        }
        return output;
    }
}
