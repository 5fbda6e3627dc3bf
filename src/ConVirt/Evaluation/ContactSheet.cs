using System.Globalization;
using ConVirt.Data;
using SkiaSharp;

namespace ConVirt.Evaluation;

/// <summary>One tile of a contact sheet.</summary>
/// <param name="Image">The image (null: could not be read; drawn as an empty tile).</param>
/// <param name="Caption">Label and score under the tile.</param>
/// <param name="Relevant">Drawn with a green frame when true, red when false.</param>
internal sealed record ContactTile(GrayImage? Image, string Caption, bool Relevant);

/// <summary>
/// A PNG grid of retrieved images with their labels and scores, for looking at what a query retrieved (people check
/// retrieval by looking at it). Written through a temporary file and a rename.
/// </summary>
internal static class ContactSheet
{
    private const int Tile = 160, Caption = 34, Gap = 8, Header = 44, Columns = 5;

    /// <summary>Writes the sheet: a title line, then the tiles in rows of five, best first.</summary>
    public static void Write(string path, string title, IReadOnlyList<ContactTile> tiles)
    {
        int rows = Math.Max(1, (tiles.Count + Columns - 1) / Columns);
        int width = Columns * (Tile + Gap) + Gap, height = Header + rows * (Tile + Caption + Gap) + Gap;
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var font = new SKFont(SKTypeface.Default, 14);
            using var small = new SKFont(SKTypeface.Default, 11);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(title.Length > 90 ? title[..87] + "..." : title, Gap, 26, SKTextAlign.Left, font, ink);
            for (int i = 0; i < tiles.Count; i++)
            {
                int x = Gap + i % Columns * (Tile + Gap), y = Header + i / Columns * (Tile + Caption + Gap);
                if (tiles[i].Image is { } image) DrawImage(bitmap, image, x, y);
                using var frame = new SKPaint { Color = tiles[i].Relevant ? new SKColor(0, 150, 0) : new SKColor(200, 0, 0), Style = SKPaintStyle.Stroke, StrokeWidth = 3 };
                canvas.DrawRect(x, y, Tile, Tile, frame);
                canvas.DrawText(string.Create(CultureInfo.InvariantCulture, $"{i + 1}. {tiles[i].Caption}"), x, y + Tile + 14, SKTextAlign.Left, small, ink);
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Runtime.AtomicFile.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>Nearest-neighbour scaling of the image into the tile, aspect kept, centred.</summary>
    private static void DrawImage(SKBitmap bitmap, GrayImage image, int x0, int y0)
    {
        double scale = Math.Min((double)Tile / image.Width, (double)Tile / image.Height);
        int w = Math.Max(1, (int)(image.Width * scale)), h = Math.Max(1, (int)(image.Height * scale));
        int ox = x0 + (Tile - w) / 2, oy = y0 + (Tile - h) / 2;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte g = (byte)Math.Clamp(image[Math.Min(image.Width - 1, (int)(x / scale)), Math.Min(image.Height - 1, (int)(y / scale))] * 255, 0, 255);
                bitmap.SetPixel(ox + x, oy + y, new SKColor(g, g, g));
            }
    }
}
