namespace ConVirt.Data.Augmentation;

/// <summary>
/// An affine map from output pixel indices (u, v) to continuous source coordinates, where source pixel i covers
/// [i, i + 1) and has its centre at i + 0.5:
/// x = OffsetX + XPerU * u + XPerV * v, y = OffsetY + YPerU * u + YPerV * v.
/// Points outside the window [WindowLeft, WindowRight) x [WindowTop, WindowBottom) become 0 (black fill, as
/// torchvision's fill = 0); inside it bilinear taps are clamped to the window, so the window's content is
/// treated as an image of its own (as a crop is).
/// </summary>
internal readonly record struct SourceMapping(
    double XPerU, double XPerV, double OffsetX,
    double YPerU, double YPerV, double OffsetY,
    double WindowLeft, double WindowTop, double WindowRight, double WindowBottom)
{
    /// <summary>Source pixels advanced per output pixel along the output's rows and columns (the smaller one).</summary>
    public double MinStride => Math.Min(Math.Sqrt(XPerU * XPerU + YPerU * YPerU), Math.Sqrt(XPerV * XPerV + YPerV * YPerV));

    /// <summary>The same map into a source shrunk by an integer factor k (coordinates divided by k).</summary>
    public SourceMapping Shrunk(int k) => new(
        XPerU / k, XPerV / k, OffsetX / k, YPerU / k, YPerV / k, OffsetY / k,
        WindowLeft / k, WindowTop / k, WindowRight / k, WindowBottom / k);
}
