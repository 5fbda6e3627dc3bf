namespace ConVirt.Data.Augmentation;

/// <summary>
/// The deterministic evaluation transform: resize so that the short side is <see cref="Size"/> (bilinear, with
/// a k x k box average first when shrinking by k &gt;= 2), then take the centre Size x Size crop
/// (offsets rounded as torchvision's center_crop does).
/// </summary>
internal sealed class EvalTransform
{
    /// <summary>Creates the transform for square outputs of side <paramref name="size"/> (default 224).</summary>
    public EvalTransform(int size = 224)
    {
        if (size < 1 || size > 8192) throw new ArgumentOutOfRangeException(nameof(size), size, $"EvalTransform size must be in [1, 8192]; got {size}.");
        Size = size;
    }

    /// <summary>Side of the square output.</summary>
    public int Size { get; }

    /// <summary>Returns Size * Size pixels, row-major.</summary>
    public float[] Apply(GrayImage source)
    {
        var output = new float[Size * Size];
        Apply(source, output);
        return output;
    }

    /// <summary>Writes Size * Size pixels into <paramref name="destination"/> (exactly that length).</summary>
    public void Apply(GrayImage source, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ImageAugmenter.CheckDestination(Size, destination);
        int w = source.Width, h = source.Height;
        // Resized size: short side -> Size exactly, long side rounded.
        double f = (double)Size / Math.Min(w, h);
        int rw = w <= h ? Size : Math.Max(Size, (int)Math.Round(w * f));
        int rh = h < w ? Size : Math.Max(Size, (int)Math.Round(h * f));
        int left = (int)Math.Round((rw - Size) / 2.0, MidpointRounding.ToEven);
        int top = (int)Math.Round((rh - Size) / 2.0, MidpointRounding.ToEven);
        double sx = (double)w / rw, sy = (double)h / rh;
        // Output (u, v) -> resized pixel centre (u + left + 0.5, v + top + 0.5) -> source.
        var map = new SourceMapping(sx, 0, (left + 0.5) * sx, 0, sy, (top + 0.5) * sy, 0, 0, w, h);
        AffineSampler.Sample(source.Pixels, w, h, map, Size, Size, destination);
    }
}
