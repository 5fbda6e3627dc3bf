using System.Globalization;
using SkiaSharp;

namespace ConVirt.Evaluation.Grounding;

/// <summary>
/// Draws a grounding map as a heat overlay (blue = low, red = high, bilinear upsampling) on the model's view of
/// the image, with the phrase as title and a colour bar with the map's range; PNG through a temporary file.
/// </summary>
internal static class GroundingOverlay
{
    private const int Side = 448, Title = 40, Bar = 70, Margin = 10;

    /// <summary>Writes the overlay PNG.</summary>
    /// <param name="path">Output PNG.</param>
    /// <param name="view">The model's input: <paramref name="viewSize"/>² intensities in [0, 1].</param>
    /// <param name="viewSize">Side of the view.</param>
    /// <param name="map">The similarity map.</param>
    /// <param name="phrase">The text, drawn as title (the user's own words; nothing from the image's header).</param>
    public static void Write(string path, float[] view, int viewSize, float[,] map, string phrase) =>
        Runtime.AtomicFile.WriteAllBytes(path, Encode(view, viewSize, map, phrase));

    /// <summary>The overlay of <see cref="Write"/> as PNG bytes (for a service that answers with the image).</summary>
    public static byte[] Encode(float[] view, int viewSize, float[,] map, string phrase)
    {
        float min = float.MaxValue, max = float.MinValue;
        foreach (var v in map) { min = Math.Min(min, v); max = Math.Max(max, v); }
        int width = Side + Bar + 2 * Margin, height = Side + Title + 2 * Margin;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            for (int y = 0; y < Side; y++)
                for (int x = 0; x < Side; x++)
                {
                    float g = view[(y * viewSize / Side) * viewSize + x * viewSize / Side];
                    float t = max > min ? (Sample(map, (y + 0.5f) / Side, (x + 0.5f) / Side) - min) / (max - min) : 0.5f;
                    var (r, gr, b) = Colour(t);
                    const float alpha = 0.45f;
                    bitmap.SetPixel(Margin + x, Title + Margin + y, new SKColor(
                        Blend(g, r, alpha), Blend(g, gr, alpha), Blend(g, b, alpha)));
                }
            using var font = new SKFont(SKTypeface.Default, 15);
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            string title = phrase.Length > 60 ? phrase[..57] + "..." : phrase;
            canvas.DrawText(title, Margin, Margin + 22, SKTextAlign.Left, font, paint);
            int barX = Margin + Side + 15, barTop = Title + Margin, barHeight = Side;
            for (int y = 0; y < barHeight; y++)
            {
                var (r, g, b) = Colour(1 - y / (float)(barHeight - 1));
                using var line = new SKPaint { Color = new SKColor(r, g, b) };
                canvas.DrawRect(barX, barTop + y, 16, 1, line);
            }
            using var small = new SKFont(SKTypeface.Default, 12);
            canvas.DrawText(max.ToString("0.00", CultureInfo.InvariantCulture), barX + 19, barTop + 10, SKTextAlign.Left, small, paint);
            canvas.DrawText(min.ToString("0.00", CultureInfo.InvariantCulture), barX + 19, barTop + barHeight, SKTextAlign.Left, small, paint);
            canvas.DrawText("cos", barX, barTop - 4, SKTextAlign.Left, small, paint);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the raw map as CSV: one line per row of the map, values with 6 decimals.</summary>
    public static void WriteCsv(string path, float[,] map)
    {
        var lines = Enumerable.Range(0, map.GetLength(0)).Select(r => string.Join(',',
            Enumerable.Range(0, map.GetLength(1)).Select(c => map[r, c].ToString("0.000000", CultureInfo.InvariantCulture))));
        Runtime.AtomicFile.WriteAllText(path, string.Join('\n', lines) + "\n");
    }

    /// <summary>Bilinear sample at fractional position (v, u) in [0, 1] of the map, cell centres at (i + 0.5) / n.</summary>
    internal static float Sample(float[,] map, float v, float u)
    {
        int rows = map.GetLength(0), cols = map.GetLength(1);
        float y = Math.Clamp(v * rows - 0.5f, 0, rows - 1), x = Math.Clamp(u * cols - 0.5f, 0, cols - 1);
        int y0 = (int)y, x0 = (int)x, y1 = Math.Min(y0 + 1, rows - 1), x1 = Math.Min(x0 + 1, cols - 1);
        float fy = y - y0, fx = x - x0;
        return (1 - fy) * ((1 - fx) * map[y0, x0] + fx * map[y0, x1]) + fy * ((1 - fx) * map[y1, x0] + fx * map[y1, x1]);
    }

    /// <summary>A blue-cyan-yellow-red ramp for t in [0, 1].</summary>
    private static (byte R, byte G, byte B) Colour(float t)
    {
        t = Math.Clamp(t, 0, 1);
        float r = Math.Clamp(1.5f - Math.Abs(4 * t - 3), 0, 1), g = Math.Clamp(1.5f - Math.Abs(4 * t - 2), 0, 1), b = Math.Clamp(1.5f - Math.Abs(4 * t - 1), 0, 1);
        return ((byte)(255 * r), (byte)(255 * g), (byte)(255 * b));
    }

    private static byte Blend(float gray, byte colour, float alpha) => (byte)Math.Clamp((1 - alpha) * gray * 255 + alpha * colour, 0, 255);
}
