using SkiaSharp;

namespace ConVirt.Data;

/// <summary>Applies an EXIF orientation to decoded pixels so that the result is upright as displayed.</summary>
internal static class ImageOrientation
{
    /// <summary>
    /// Returns the displayed image for stored pixels <paramref name="stored"/> [height, width] row-major.
    /// A stored pixel (x, y) lands at: TopRight (x' = w-1-x), BottomRight (w-1-x, h-1-y), BottomLeft (x, h-1-y),
    /// LeftTop (y, x), RightTop (h-1-y, x) = 90 degrees clockwise, RightBottom (h-1-y, w-1-x),
    /// LeftBottom (y, w-1-x) = 90 degrees counter-clockwise; the last four swap width and height.
    /// </summary>
    public static GrayImage Apply(float[] stored, int width, int height, SKEncodedOrigin origin)
    {
        int w = width, h = height;
        switch (origin)
        {
            case SKEncodedOrigin.TopRight:
            {
                var output = new float[w * h];
                for (int y = 0; y < h; y++)
                {
                    stored.AsSpan(y * w, w).CopyTo(output.AsSpan(y * w, w));
                    output.AsSpan(y * w, w).Reverse();
                }
                return new GrayImage(w, h, output);
            }
            case SKEncodedOrigin.BottomRight:
            {
                var output = (float[])stored.Clone();
                output.AsSpan().Reverse();
                return new GrayImage(w, h, output);
            }
            case SKEncodedOrigin.BottomLeft:
            {
                var output = new float[w * h];
                for (int y = 0; y < h; y++)
                    stored.AsSpan(y * w, w).CopyTo(output.AsSpan((h - 1 - y) * w, w));
                return new GrayImage(w, h, output);
            }
            case SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom:
            {
                // Transposing orientations: the displayed image is h wide and w tall; output index = y' * h + x'.
                var output = new float[w * h];
                bool mirrorX = origin is SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom;      // x' = h-1-y
                bool mirrorY = origin is SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;    // y' = w-1-x
                for (int y = 0; y < h; y++)
                {
                    int xOut = mirrorX ? h - 1 - y : y;
                    int row = y * w;
                    for (int x = 0; x < w; x++)
                    {
                        int yOut = mirrorY ? w - 1 - x : x;
                        output[yOut * h + xOut] = stored[row + x];
                    }
                }
                return new GrayImage(h, w, output);
            }
            default: // TopLeft (also named Default)
                return new GrayImage(w, h, stored);
        }
    }
}
