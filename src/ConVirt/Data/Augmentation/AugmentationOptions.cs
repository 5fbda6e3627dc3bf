namespace ConVirt.Data.Augmentation;

/// <summary>
/// The random image transform t_v of ConVIRT (docs/method.md, "Image augmentations"): random crop, horizontal
/// flip, affine, brightness/contrast jitter, Gaussian blur, then resize to <see cref="OutputSize"/>. Defaults are
/// the paper's values. A step is disabled by collapsing its range to the identity (see <see cref="None"/>).
/// </summary>
/// <param name="CropRatioMin">Smallest crop side as a fraction of the source side (paper: 0.6).</param>
/// <param name="CropRatioMax">Largest crop side as a fraction of the source side (paper: 1.0); at most 1.</param>
/// <param name="CropSidesIndependent">
/// False (default): one ratio r ~ U(min, max) scales both sides, so the crop keeps the source's aspect ratio and
/// the resize to a square distorts no more than resizing the whole image does. True: width and height ratios are
/// drawn independently.
/// </param>
/// <param name="FlipProbability">Probability of a horizontal flip (paper: 0.5).</param>
/// <param name="RotationDegrees">Rotation angle ~ U(-d, d) degrees, counter-clockwise as displayed (paper: 20).</param>
/// <param name="Translate">Shift ~ U(-t, t) times the crop's width (x) and height (y), drawn independently (paper: 0.1).</param>
/// <param name="ScaleMin">Smallest affine zoom factor (paper: 0.95).</param>
/// <param name="ScaleMax">Largest affine zoom factor (paper: 1.05).</param>
/// <param name="Brightness">Brightness factor ~ U(1 - b, 1 + b), multiplies pixels (paper: 0.4, i.e. [0.6, 1.4]).</param>
/// <param name="Contrast">Contrast factor ~ U(1 - c, 1 + c), blends with the image mean (paper: 0.4).</param>
/// <param name="BlurSigmaMin">Smallest blur sigma, in pixels of the output image (paper: 0.1).</param>
/// <param name="BlurSigmaMax">Largest blur sigma, in pixels of the output image (paper: 3.0).</param>
/// <param name="BlurProbability">Probability that the blur is applied at all (paper: always, 1.0).</param>
/// <param name="OutputSize">Side of the square output view in pixels (paper: 224).</param>
internal sealed record AugmentationOptions(
    double CropRatioMin = 0.6,
    double CropRatioMax = 1.0,
    bool CropSidesIndependent = false,
    double FlipProbability = 0.5,
    double RotationDegrees = 20,
    double Translate = 0.1,
    double ScaleMin = 0.95,
    double ScaleMax = 1.05,
    double Brightness = 0.4,
    double Contrast = 0.4,
    double BlurSigmaMin = 0.1,
    double BlurSigmaMax = 3.0,
    double BlurProbability = 1.0,
    int OutputSize = 224)
{
    /// <summary>The paper's augmentation at 224 px (the parameter defaults).</summary>
    public static AugmentationOptions Paper { get; } = new();

    /// <summary>
    /// Every step collapsed to the identity: the view is the whole image resized to OutputSize x OutputSize
    /// (for a square source this equals <see cref="EvalTransform"/>).
    /// </summary>
    public static AugmentationOptions None { get; } = new(
        CropRatioMin: 1, CropRatioMax: 1, FlipProbability: 0, RotationDegrees: 0, Translate: 0,
        ScaleMin: 1, ScaleMax: 1, Brightness: 0, Contrast: 0, BlurSigmaMin: 0, BlurSigmaMax: 0,
        BlurProbability: 0);

    /// <summary>The same options at another output size.</summary>
    public AugmentationOptions WithOutputSize(int size) => this with { OutputSize = size };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public AugmentationOptions Validate()
    {
        // Written as !(inside) so that NaN fails every check.
        if (!(CropRatioMin > 0 && CropRatioMin <= 1))
            throw Bad(nameof(CropRatioMin), CropRatioMin, "must be in (0, 1]");
        if (!(CropRatioMax >= CropRatioMin && CropRatioMax <= 1))
            throw Bad(nameof(CropRatioMax), CropRatioMax, FormattableString.Invariant($"must be in [CropRatioMin = {CropRatioMin}, 1]"));
        if (!(FlipProbability >= 0 && FlipProbability <= 1))
            throw Bad(nameof(FlipProbability), FlipProbability, "must be in [0, 1]");
        if (!(RotationDegrees >= 0 && RotationDegrees <= 180))
            throw Bad(nameof(RotationDegrees), RotationDegrees, "must be in [0, 180]");
        if (!(Translate >= 0 && Translate <= 1))
            throw Bad(nameof(Translate), Translate, "must be in [0, 1]");
        if (!(ScaleMin > 0 && double.IsFinite(ScaleMin)))
            throw Bad(nameof(ScaleMin), ScaleMin, "must be positive");
        if (!(ScaleMax >= ScaleMin && double.IsFinite(ScaleMax)))
            throw Bad(nameof(ScaleMax), ScaleMax, FormattableString.Invariant($"must be finite and at least ScaleMin = {ScaleMin}"));
        if (!(Brightness >= 0 && Brightness <= 1))
            throw Bad(nameof(Brightness), Brightness, "must be in [0, 1] (factor drawn from [1 - b, 1 + b])");
        if (!(Contrast >= 0 && Contrast <= 1))
            throw Bad(nameof(Contrast), Contrast, "must be in [0, 1] (factor drawn from [1 - c, 1 + c])");
        if (!(BlurSigmaMin >= 0 && double.IsFinite(BlurSigmaMin)))
            throw Bad(nameof(BlurSigmaMin), BlurSigmaMin, "must be at least 0");
        if (!(BlurSigmaMax >= BlurSigmaMin && BlurSigmaMax <= 50))
            throw Bad(nameof(BlurSigmaMax), BlurSigmaMax, FormattableString.Invariant($"must be in [BlurSigmaMin = {BlurSigmaMin}, 50]"));
        if (!(BlurProbability >= 0 && BlurProbability <= 1))
            throw Bad(nameof(BlurProbability), BlurProbability, "must be in [0, 1]");
        if (OutputSize < 1 || OutputSize > 8192)
            throw Bad(nameof(OutputSize), OutputSize, "must be in [1, 8192]");
        return this;
    }

    private static ArgumentOutOfRangeException Bad(string name, object value, string rule) =>
        new(name, value, FormattableString.Invariant($"AugmentationOptions.{name} {rule}; got {value}."));
}
