namespace ConVirt.Data.Synthetic;

/// <summary>
/// The patient-specific geometry and exposure of one synthetic radiograph, in normalised image coordinates
/// (x right, y down, [0, 1]). The patient's right lung is on the image's left.
/// </summary>
/// <param name="RightLung">Ellipse bounding the right lung field (apex to costophrenic angle).</param>
/// <param name="LeftLung">Ellipse bounding the left lung field.</param>
/// <param name="RightDomeY">Height of the top of the right hemidiaphragm's dome; the lung ends below it.</param>
/// <param name="LeftDomeY">Height of the top of the left hemidiaphragm's dome.</param>
/// <param name="ThoraxHalfWidth">Half the inner thoracic width (midline to inner rib margin).</param>
/// <param name="HeartCenterY">Vertical centre of the cardiac silhouette.</param>
/// <param name="HeartHalfHeight">Half height of the cardiac silhouette.</param>
/// <param name="NormalCardiothoracicRatio">Heart width / thoracic width when the heart is normal (0.40-0.47).</param>
/// <param name="EnlargedCardiothoracicRatio">The ratio drawn when cardiomegaly is present (0.58-0.66).</param>
/// <param name="RibStartY">Height of the first posterior rib at the spine.</param>
/// <param name="RibSpacing">Vertical distance between posterior ribs.</param>
/// <param name="LungDarkness">How much darker aerated lung is than soft tissue.</param>
/// <param name="ExposureGain">Global contrast of the exposure.</param>
/// <param name="ExposureOffset">Global brightness offset of the exposure.</param>
/// <param name="NoiseSigma">Standard deviation of the quantum noise added to every pixel.</param>
internal sealed record ChestAnatomy(
    NormalizedEllipse RightLung,
    NormalizedEllipse LeftLung,
    double RightDomeY,
    double LeftDomeY,
    double ThoraxHalfWidth,
    double HeartCenterY,
    double HeartHalfHeight,
    double NormalCardiothoracicRatio,
    double EnlargedCardiothoracicRatio,
    double RibStartY,
    double RibSpacing,
    double LungDarkness,
    double ExposureGain,
    double ExposureOffset,
    double NoiseSigma)
{
    /// <summary>Draws an anatomy; every parameter varies a little between patients.</summary>
    public static ChestAnatomy Sample(Random rng)
    {
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        double thorax = U(0.39, 0.43);
        double apex = U(0.12, 0.16);
        double rightDome = U(0.68, 0.73);
        double leftDome = rightDome + U(0.01, 0.03);
        NormalizedEllipse Lung(double lateralEdge, double medialEdge, double dome)
        {
            double top = apex + U(-0.01, 0.01), bottom = dome + 0.07;
            return new NormalizedEllipse((lateralEdge + medialEdge) / 2, (top + bottom) / 2,
                Math.Abs(medialEdge - lateralEdge) / 2, (bottom - top) / 2);
        }
        var right = Lung(0.5 - thorax, 0.5 - U(0.045, 0.06), rightDome);
        var left = Lung(0.5 + thorax - U(0.0, 0.015), 0.5 + U(0.06, 0.075), leftDome);
        double heartHalfHeight = U(0.105, 0.125);
        double heartCenterY = leftDome - heartHalfHeight * U(0.55, 0.7);
        return new ChestAnatomy(right, left, rightDome, leftDome, thorax, heartCenterY, heartHalfHeight,
            NormalCardiothoracicRatio: U(0.40, 0.47), EnlargedCardiothoracicRatio: U(0.58, 0.66),
            RibStartY: U(0.13, 0.16), RibSpacing: U(0.060, 0.068), LungDarkness: U(0.30, 0.36),
            ExposureGain: U(0.92, 1.08), ExposureOffset: U(-0.03, 0.03), NoiseSigma: U(0.010, 0.022));
    }

    /// <summary>The lung field of one side.</summary>
    public NormalizedEllipse Lung(BodySide side) => side == BodySide.Right ? RightLung : LeftLung;

    /// <summary>The top of one hemidiaphragm's dome.</summary>
    public double DomeY(BodySide side) => side == BodySide.Right ? RightDomeY : LeftDomeY;

    /// <summary>Half width of the cardiac silhouette: ratio * thoracic width / 2.</summary>
    public double HeartHalfWidth(bool enlarged) =>
        (enlarged ? EnlargedCardiothoracicRatio : NormalCardiothoracicRatio) * ThoraxHalfWidth;

    /// <summary>Horizontal centre of the cardiac silhouette: two thirds of it lie left of the midline (image right).</summary>
    public double HeartCenterX(bool enlarged) => 0.5 + HeartHalfWidth(enlarged) / 3;

    /// <summary>The lower edge of a lung field at x: the diaphragm dome, lowest at the costophrenic angles.</summary>
    public double LungBaseY(BodySide side, double x)
    {
        var lung = Lung(side);
        double u = (x - lung.CenterX) / lung.RadiusX;
        return DomeY(side) + 0.10 * u * u;
    }

    /// <summary>0 at the lung field's medial edge, 1 at its lateral edge (clamped).</summary>
    public double Laterality(BodySide side, double x)
    {
        var lung = Lung(side);
        double t = side == BodySide.Right
            ? (lung.CenterX + lung.RadiusX - x) / (2 * lung.RadiusX)
            : (x - (lung.CenterX - lung.RadiusX)) / (2 * lung.RadiusX);
        return Math.Clamp(t, 0, 1);
    }

    /// <summary>The nominal centre of a lobe's projection; drawn opacities lie within 0.1 lung radii of it.</summary>
    public (double X, double Y) LobeCenter(LungLobe lobe)
    {
        var (side, dx, dy) = lobe switch
        {
            LungLobe.RightUpper => (BodySide.Right, 0.0, -0.45),
            LungLobe.RightMiddle => (BodySide.Right, 0.25, 0.12),
            LungLobe.RightLower => (BodySide.Right, -0.2, 0.42),
            LungLobe.LeftUpper => (BodySide.Left, 0.05, -0.4),
            _ => (BodySide.Left, 0.4, 0.4),
        };
        var lung = Lung(side);
        // dx is towards the midline for the right lung and away from it for the left one (measured in +x).
        return (lung.CenterX + dx * lung.RadiusX, lung.CenterY + dy * lung.RadiusY);
    }
}
