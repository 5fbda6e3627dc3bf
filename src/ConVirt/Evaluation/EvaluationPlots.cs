using SkiaSharp;

namespace ConVirt.Evaluation;

/// <summary>PNG plots of evaluation results (ScottPlot 5; panels joined with SkiaSharp).</summary>
internal static class EvaluationPlots
{
    /// <summary>A scatter of 2-D points coloured by label, with a legend (labels in ordinal order).</summary>
    public static void LabelledScatter(string path, string title, float[,] points, IReadOnlyList<string> labels, int width = 800, int height = 700)
    {
        if (points.GetLength(0) != labels.Count) throw new ArgumentException($"{points.GetLength(0)} points for {labels.Count} labels");
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.ToArray();
            var markers = plot.Add.ScatterPoints(members.Select(i => (double)points[i, 0]).ToArray(), members.Select(i => (double)points[i, 1]).ToArray());
            markers.LegendText = $"{group.Key} ({members.Length})";
            markers.Color = palette.GetColor(colour++);
            markers.MarkerSize = 5;
        }
        plot.Title(title);
        plot.ShowLegend();
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Label-efficiency curves: <paramref name="metric"/> against label fraction (log scale), one line per series with
    /// vertical bars spanning each interval.
    /// </summary>
    public static void LabelEfficiency(string path, string title, string metric, IReadOnlyList<(string Name, IReadOnlyList<(double Fraction, MeanInterval Value)> Points)> series,
        int width = 800, int height = 550)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var fractions = new SortedSet<double>();
        for (int s = 0; s < series.Count; s++)
        {
            var points = series[s].Points.Where(p => !double.IsNaN(p.Value.Mean)).OrderBy(p => p.Fraction).ToList();
            if (points.Count == 0) continue;
            var colour = palette.GetColor(s);
            var xs = points.Select(p => Math.Log10(p.Fraction)).ToArray();
            var line = plot.Add.Scatter(xs, points.Select(p => p.Value.Mean).ToArray());
            line.LegendText = series[s].Name;
            line.Color = colour;
            line.MarkerSize = 7;
            foreach (var p in points)
            {
                fractions.Add(p.Fraction);
                var bar = plot.Add.Line(Math.Log10(p.Fraction), p.Value.Low, Math.Log10(p.Fraction), p.Value.High);
                bar.Color = colour;
                bar.LineWidth = 2;
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            fractions.Select(Math.Log10).ToArray(), fractions.Select(f => f >= 0.01 ? $"{f * 100:0.#}%" : $"{f * 100:0.##}%").ToArray());
        plot.XLabel("label fraction");
        plot.YLabel(metric);
        plot.Title(title);
        plot.ShowLegend();
        Save(plot, path, width, height);
    }

    /// <summary>Places PNG images side by side (top-aligned) with their captions underneath, into one PNG.</summary>
    public static void SideBySide(string path, IReadOnlyList<(string Png, string Caption)> panels)
    {
        var bitmaps = panels.Select(p => SKBitmap.Decode(p.Png) ?? throw new InvalidDataException($"{p.Png}: not a readable image")).ToList();
        try
        {
            const int captionHeight = 32;
            int width = bitmaps.Sum(b => b.Width), height = bitmaps.Max(b => b.Height) + captionHeight;
            using var surface = SKSurface.Create(new SKImageInfo(width, height));
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            using var font = new SKFont(SKTypeface.Default, 18);
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            int x = 0;
            for (int i = 0; i < bitmaps.Count; i++)
            {
                canvas.DrawBitmap(bitmaps[i], x, 0);
                canvas.DrawText(panels[i].Caption, x + 10, bitmaps.Max(b => b.Height) + 22, font, paint);
                x += bitmaps[i].Width;
            }
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            using var file = File.Create(path);
            data.SaveTo(file);
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }

    static void Save(ScottPlot.Plot plot, string path, int width, int height)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        plot.SavePng(path, width, height);
    }
}
