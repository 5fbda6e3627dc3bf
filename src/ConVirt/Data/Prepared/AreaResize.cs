namespace ConVirt.Data.Prepared;

/// <summary>
/// Area-averaging downscale: every output pixel is the mean of the source area it covers (partially covered source
/// pixels weighted by the covered fraction). Never enlarges: an image whose short side is already at most the
/// target is returned as it is.
/// </summary>
internal static class AreaResize
{
    /// <summary>The size after scaling the short side to <paramref name="shortSide"/> (long side rounded), or the size itself when not larger.</summary>
    public static (int Width, int Height) TargetSize(int width, int height, int shortSide)
    {
        if (shortSide < 1) throw new ArgumentOutOfRangeException(nameof(shortSide), shortSide, "short side must be at least 1");
        int shortest = Math.Min(width, height);
        if (shortest <= shortSide) return (width, height);
        double f = (double)shortSide / shortest;
        return width <= height
            ? (shortSide, Math.Max(shortSide, (int)Math.Round(height * f)))
            : (Math.Max(shortSide, (int)Math.Round(width * f)), shortSide);
    }

    /// <summary>The image with its short side reduced to <paramref name="shortSide"/>, or <paramref name="source"/> itself when not larger.</summary>
    public static GrayImage ToShortSide(GrayImage source, int shortSide)
    {
        ArgumentNullException.ThrowIfNull(source);
        var (w, h) = TargetSize(source.Width, source.Height, shortSide);
        return w == source.Width && h == source.Height ? source : Resize(source, w, h);
    }

    /// <summary>Area-averages <paramref name="source"/> to <paramref name="width"/> x <paramref name="height"/> (each at most the source's).</summary>
    public static GrayImage Resize(GrayImage source, int width, int height)
    {
        if (width < 1 || height < 1 || width > source.Width || height > source.Height)
            throw new ArgumentOutOfRangeException(nameof(width), $"area resize only shrinks: {source.Width}x{source.Height} -> {width}x{height}");
        var xs = Weights(source.Width, width);
        var ys = Weights(source.Height, height);
        // horizontal pass into [source.Height, width], then vertical
        var rows = new float[source.Height * width];
        for (int y = 0; y < source.Height; y++)
        {
            var src = source.Pixels.AsSpan(y * source.Width, source.Width);
            for (int x = 0; x < width; x++) rows[y * width + x] = xs[x].Apply(src, 1);
        }
        var output = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            var (start, weights) = ys[y];
            var dst = output.AsSpan(y * width, width);
            for (int k = 0; k < weights.Length; k++)
            {
                float wk = weights[k];
                var src = rows.AsSpan((start + k) * width, width);
                for (int x = 0; x < width; x++) dst[x] += wk * src[x];
            }
        }
        return new GrayImage(width, height, output);
    }

    private readonly record struct Taps(int Start, float[] Weights)
    {
        public float Apply(ReadOnlySpan<float> line, int stride)
        {
            float sum = 0;
            for (int k = 0; k < Weights.Length; k++) sum += Weights[k] * line[(Start + k) * stride];
            return sum;
        }
    }

    /// <summary>For each output index, the first source index and the weights (covered fraction / scale) of the source indices it covers.</summary>
    private static Taps[] Weights(int sourceLength, int outputLength)
    {
        double scale = (double)sourceLength / outputLength;
        var taps = new Taps[outputLength];
        for (int o = 0; o < outputLength; o++)
        {
            double from = o * scale, to = Math.Min(sourceLength, (o + 1) * scale);
            int first = (int)Math.Floor(from), last = Math.Min(sourceLength - 1, (int)Math.Ceiling(to) - 1);
            var w = new float[last - first + 1];
            for (int i = first; i <= last; i++)
                w[i - first] = (float)((Math.Min(to, i + 1) - Math.Max(from, i)) / scale);
            taps[o] = new Taps(first, w);
        }
        return taps;
    }
}
