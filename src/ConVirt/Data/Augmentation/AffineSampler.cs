using System.Buffers;

namespace ConVirt.Data.Augmentation;

/// <summary>
/// Renders an output image by mapping every output pixel back into the source once and sampling it bilinearly.
/// When one output pixel spans two or more source pixels, the source is first averaged over k x k boxes
/// (k = floor(stride)) so that shrinking does not alias.
/// </summary>
internal static class AffineSampler
{
    public static void Sample(ReadOnlySpan<float> source, int width, int height, SourceMapping map,
        int outWidth, int outHeight, Span<float> destination)
    {
        int k = (int)Math.Floor(map.MinStride + 1e-9);
        if (k < 2)
        {
            SampleBilinear(source, width, height, map, outWidth, outHeight, destination);
            return;
        }
        int sw = (width + k - 1) / k, sh = (height + k - 1) / k;
        float[] shrunk = ArrayPool<float>.Shared.Rent(sw * sh);
        try
        {
            BoxShrink(source, width, height, k, shrunk.AsSpan(0, sw * sh));
            SampleBilinear(shrunk.AsSpan(0, sw * sh), sw, sh, map.Shrunk(k), outWidth, outHeight, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(shrunk);
        }
    }

    /// <summary>Averages k x k blocks; the last block of a row or column averages what is left of the image.</summary>
    public static void BoxShrink(ReadOnlySpan<float> source, int width, int height, int k, Span<float> destination)
    {
        int sw = (width + k - 1) / k, sh = (height + k - 1) / k;
        for (int by = 0; by < sh; by++)
        {
            int y0 = by * k, y1 = Math.Min(y0 + k, height);
            Span<float> row = destination.Slice(by * sw, sw);
            row.Clear();
            for (int y = y0; y < y1; y++)
            {
                ReadOnlySpan<float> src = source.Slice(y * width, width);
                for (int bx = 0; bx < sw; bx++)
                {
                    int x0 = bx * k, x1 = Math.Min(x0 + k, width);
                    float s = 0;
                    for (int x = x0; x < x1; x++) s += src[x];
                    row[bx] += s;
                }
            }
            int rows = y1 - y0;
            for (int bx = 0; bx < sw; bx++)
            {
                int cols = Math.Min(bx * k + k, width) - bx * k;
                row[bx] /= rows * cols;
            }
        }
    }

    private static void SampleBilinear(ReadOnlySpan<float> src, int width, int height, SourceMapping m,
        int outWidth, int outHeight, Span<float> dst)
    {
        // Taps are clamped to the window's pixels; points outside the window are black.
        int loX = Math.Clamp((int)Math.Floor(m.WindowLeft), 0, width - 1);
        int hiX = Math.Clamp((int)Math.Ceiling(m.WindowRight) - 1, loX, width - 1);
        int loY = Math.Clamp((int)Math.Floor(m.WindowTop), 0, height - 1);
        int hiY = Math.Clamp((int)Math.Ceiling(m.WindowBottom) - 1, loY, height - 1);
        double left = m.WindowLeft, right = m.WindowRight, top = m.WindowTop, bottom = m.WindowBottom;
        for (int v = 0; v < outHeight; v++)
        {
            // Sample positions shifted by -0.5 so that integer values hit pixel centres.
            double rowX = m.OffsetX + m.XPerV * v, rowY = m.OffsetY + m.YPerV * v;
            Span<float> outRow = dst.Slice(v * outWidth, outWidth);
            for (int u = 0; u < outWidth; u++)
            {
                double x = rowX + m.XPerU * u, y = rowY + m.YPerU * u;
                if (x < left || x >= right || y < top || y >= bottom)
                {
                    outRow[u] = 0f;
                    continue;
                }
                double fx = x - 0.5, fy = y - 0.5;
                int ix = (int)Math.Floor(fx), iy = (int)Math.Floor(fy);
                float tx = (float)(fx - ix), ty = (float)(fy - iy);
                int x0 = Math.Clamp(ix, loX, hiX), x1 = Math.Clamp(ix + 1, loX, hiX);
                int y0 = Math.Clamp(iy, loY, hiY), y1 = Math.Clamp(iy + 1, loY, hiY);
                int r0 = y0 * width, r1 = y1 * width;
                float a = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * tx;
                float b = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * tx;
                outRow[u] = a + (b - a) * ty;
            }
        }
    }
}
