namespace ConVirt.Data.Augmentation;

/// <summary>
/// One draw of the random transform: everything <see cref="ImageAugmenter"/> needs to render a view, so that a
/// view can be reproduced or inspected.
/// </summary>
/// <param name="CropRatioX">Drawn crop width ratio (crop width / source width before rounding).</param>
/// <param name="CropRatioY">Drawn crop height ratio (equal to <paramref name="CropRatioX"/> unless sides are independent).</param>
/// <param name="CropLeft">Crop's first source column.</param>
/// <param name="CropTop">Crop's first source row.</param>
/// <param name="CropWidth">Crop width in source pixels (round(CropRatioX * width), at least 1).</param>
/// <param name="CropHeight">Crop height in source pixels.</param>
/// <param name="Flip">Whether the crop is mirrored left-right.</param>
/// <param name="RotationDegrees">Rotation of the content about the crop centre, counter-clockwise as displayed.</param>
/// <param name="TranslateX">Shift to the right as a fraction of the crop width.</param>
/// <param name="TranslateY">Shift downwards as a fraction of the crop height.</param>
/// <param name="Scale">Zoom about the crop centre (above 1 enlarges the content).</param>
/// <param name="Brightness">Brightness factor (1 = unchanged).</param>
/// <param name="Contrast">Contrast factor (1 = unchanged).</param>
/// <param name="BlurSigma">Gaussian blur sigma in output pixels; 0 = no blur.</param>
internal sealed record AugmentationParameters(
    double CropRatioX,
    double CropRatioY,
    int CropLeft,
    int CropTop,
    int CropWidth,
    int CropHeight,
    bool Flip,
    double RotationDegrees,
    double TranslateX,
    double TranslateY,
    double Scale,
    float Brightness,
    float Contrast,
    float BlurSigma)
{
    /// <summary>The identity transform for a source of the given size: whole image, nothing changed.</summary>
    public static AugmentationParameters Identity(int width, int height) =>
        new(1, 1, 0, 0, width, height, false, 0, 0, 0, 1, 1, 1, 0);
}
