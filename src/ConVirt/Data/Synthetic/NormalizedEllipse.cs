namespace ConVirt.Data.Synthetic;

/// <summary>An axis-aligned ellipse in normalised image coordinates (x right, y down, both in [0, 1]).</summary>
internal sealed record NormalizedEllipse(double CenterX, double CenterY, double RadiusX, double RadiusY)
{
    /// <summary>((x - cx) / rx)^2 + ((y - cy) / ry)^2: below 1 inside, 1 on the outline.</summary>
    public double Level(double x, double y)
    {
        double dx = (x - CenterX) / RadiusX, dy = (y - CenterY) / RadiusY;
        return dx * dx + dy * dy;
    }
}
