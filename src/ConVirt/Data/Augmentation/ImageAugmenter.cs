namespace ConVirt.Data.Augmentation;

/// <summary>
/// Draws and renders random training views t_v of ConVIRT in managed code.
/// </summary>
/// <remarks>
/// Order as in the paper: crop, flip, affine, brightness/contrast, blur, then resize. Crop, flip, affine and
/// resize are composed into one affine map from output pixels to source coordinates, sampled once bilinearly
/// (areas mapped outside the crop are black, as torchvision's fill = 0). Jitter and blur then run at output
/// resolution, so the blur sigma is in output pixels: sigma 3 blurs a 224 px view, whatever the source size.
/// The translation is continuous (torchvision rounds it to whole pixels). Thread-safe: all state is in the
/// caller's <see cref="Random"/>.
/// </remarks>
internal sealed class ImageAugmenter
{
    /// <summary>Creates an augmenter; throws if the options are out of range.</summary>
    public ImageAugmenter(AugmentationOptions options)
    {
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
    }

    /// <summary>The validated options.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>Side of the square output view.</summary>
    public int OutputSize => Options.OutputSize;

    /// <summary>
    /// Draws the parameters of one view of a srcWidth x srcHeight image. Always consumes the same number of
    /// draws from <paramref name="rng"/>, whichever steps are disabled.
    /// </summary>
    public AugmentationParameters Sample(int srcWidth, int srcHeight, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (srcWidth < 1 || srcHeight < 1)
            throw new ArgumentOutOfRangeException(nameof(srcWidth), $"Source size must be positive; got {srcWidth} x {srcHeight}.");
        var o = Options;
        double rx = Uniform(rng, o.CropRatioMin, o.CropRatioMax);
        double ryDraw = Uniform(rng, o.CropRatioMin, o.CropRatioMax);
        double ry = o.CropSidesIndependent ? ryDraw : rx;
        int cw = Math.Clamp((int)Math.Round(rx * srcWidth), 1, srcWidth);
        int ch = Math.Clamp((int)Math.Round(ry * srcHeight), 1, srcHeight);
        int left = rng.Next(srcWidth - cw + 1);
        int top = rng.Next(srcHeight - ch + 1);
        bool flip = rng.NextDouble() < o.FlipProbability;
        double angle = Uniform(rng, -o.RotationDegrees, o.RotationDegrees);
        double tx = Uniform(rng, -o.Translate, o.Translate);
        double ty = Uniform(rng, -o.Translate, o.Translate);
        double scale = Uniform(rng, o.ScaleMin, o.ScaleMax);
        float brightness = (float)Uniform(rng, 1 - o.Brightness, 1 + o.Brightness);
        float contrast = (float)Uniform(rng, 1 - o.Contrast, 1 + o.Contrast);
        bool blur = rng.NextDouble() < o.BlurProbability;
        float sigma = (float)Uniform(rng, o.BlurSigmaMin, o.BlurSigmaMax);
        return new AugmentationParameters(rx, ry, left, top, cw, ch, flip, angle, tx, ty, scale,
            brightness, contrast, blur ? sigma : 0f);
    }

    /// <summary>Draws one view and returns its OutputSize * OutputSize pixels, row-major.</summary>
    public float[] Apply(GrayImage source, Random rng)
    {
        var view = new float[OutputSize * OutputSize];
        Apply(source, rng, view);
        return view;
    }

    /// <summary>Draws one view into <paramref name="destination"/> (exactly OutputSize * OutputSize floats, e.g. a slice of a batch buffer).</summary>
    public void Apply(GrayImage source, Random rng, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        Render(source, Sample(source.Width, source.Height, rng), OutputSize, destination);
    }

    /// <summary>Renders the view described by <paramref name="parameters"/> (geometry, then jitter, then blur).</summary>
    public static void Render(GrayImage source, AugmentationParameters parameters, int outputSize, Span<float> destination)
    {
        SampleGeometry(source, parameters, outputSize, destination);
        BrightnessContrastJitter.Apply(destination[..(outputSize * outputSize)], parameters.Brightness, parameters.Contrast);
        GaussianBlur.Apply(destination, outputSize, outputSize, parameters.BlurSigma);
    }

    /// <summary>
    /// The geometric part of a view: crop, flip, affine and resize to outputSize x outputSize as one inverse
    /// mapping, sampled bilinearly; black where the affine moves content in from outside the crop.
    /// </summary>
    public static void SampleGeometry(GrayImage source, AugmentationParameters parameters, int outputSize, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(parameters);
        CheckDestination(outputSize, destination);
        var p = parameters;
        if (p.CropLeft < 0 || p.CropTop < 0 || p.CropWidth < 1 || p.CropHeight < 1
            || p.CropLeft + p.CropWidth > source.Width || p.CropTop + p.CropHeight > source.Height)
            throw new ArgumentOutOfRangeException(nameof(parameters),
                $"Crop ({p.CropLeft}, {p.CropTop}, {p.CropWidth} x {p.CropHeight}) does not fit a {source.Width} x {source.Height} image.");
        if (!(p.Scale > 0)) throw new ArgumentOutOfRangeException(nameof(parameters), $"Scale must be positive; got {p.Scale}.");
        var map = InverseMap(p, outputSize);
        AffineSampler.Sample(source.Pixels, source.Width, source.Height, map, outputSize, outputSize, destination);
    }

    /// <summary>Output pixel (u, v) -> source coordinates, composed from resize, affine, flip and crop.</summary>
    internal static SourceMapping InverseMap(AugmentationParameters p, int outputSize)
    {
        double cw = p.CropWidth, ch = p.CropHeight;
        double theta = p.RotationDegrees * Math.PI / 180.0;
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        double cx = cw / 2, cy = ch / 2, shiftX = p.TranslateX * cw, shiftY = p.TranslateY * ch;

        (double X, double Y) Map(double u, double v)
        {
            // Resize: output pixel centre -> crop-space point after the affine.
            double ax = (u + 0.5) * cw / outputSize, ay = (v + 0.5) * ch / outputSize;
            // Undo the affine. Forward (y down, counter-clockwise as displayed): p' = c + t + s [[cos, sin], [-sin, cos]] (p - c).
            double qx = ax - cx - shiftX, qy = ay - cy - shiftY;
            double fx = cx + (cos * qx - sin * qy) / p.Scale;
            double fy = cy + (sin * qx + cos * qy) / p.Scale;
            // Undo the flip, then the crop offset.
            if (p.Flip) fx = cw - fx;
            return (fx + p.CropLeft, fy + p.CropTop);
        }

        var o = Map(0, 0);
        var du = Map(1, 0);
        var dv = Map(0, 1);
        return new SourceMapping(
            du.X - o.X, dv.X - o.X, o.X,
            du.Y - o.Y, dv.Y - o.Y, o.Y,
            p.CropLeft, p.CropTop, p.CropLeft + cw, p.CropTop + ch);
    }

    internal static void CheckDestination(int outputSize, Span<float> destination)
    {
        if (outputSize < 1) throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, $"Output size must be positive; got {outputSize}.");
        if (destination.Length != outputSize * outputSize)
            throw new ArgumentException(
                $"Destination must hold exactly {outputSize} x {outputSize} = {outputSize * outputSize} floats; got {destination.Length}.",
                nameof(destination));
    }

    private static double Uniform(Random rng, double min, double max) => min + (max - min) * rng.NextDouble();
}
