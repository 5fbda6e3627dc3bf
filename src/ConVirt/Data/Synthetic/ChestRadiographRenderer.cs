namespace ConVirt.Data.Synthetic;

/// <summary>
/// Draws a frontal chest radiograph from an anatomy and findings. Intensities are built like attenuation:
/// soft tissue, minus air where lung is aerated, plus bone, heart and mediastinum, fluid and consolidation,
/// then devices, exposure and quantum noise. All geometry is in normalised coordinates, so any size works.
/// </summary>
internal static class ChestRadiographRenderer
{
    private const double OutsideBody = 0.03;

    /// <summary>
    /// Renders size x size pixels. <paramref name="noiseRng"/> supplies lung texture and pixel noise and
    /// <paramref name="geometryRng"/> the per-finding details; each finding uses its own stream, so adding or
    /// removing one finding leaves the rest of the image unchanged. bonesAndNoise = false leaves out ribs,
    /// clavicles and pixel noise (tests use it to see soft-tissue texture alone).
    /// </summary>
    public static float[] Render(ChestAnatomy a, Findings f, int size, Random noiseRng, Func<FindingKind, Random> geometryRng,
        bool bonesAndNoise = true)
    {
        double boneWeight = bonesAndNoise ? 1 : 0;
        var texture = new ValueNoise(noiseRng, 12);
        var fineTexture = new ValueNoise(noiseRng, 26);
        var edgeNoise = new ValueNoise(noiseRng, 8);

        bool enlarged = f.Cardiomegaly;
        var heart = new NormalizedEllipse(a.HeartCenterX(enlarged), a.HeartCenterY,
            a.HeartHalfWidth(enlarged), a.HeartHalfHeight * (enlarged ? 1.12 : 1.0));

        // Opacity: an irregular disc near the lobe's centre.
        (double X, double Y, double R, double Density, BodySide Side)? opacity = null;
        if (f.Opacity is { } op)
        {
            var rng = geometryRng(FindingKind.Opacity);
            var side = op.Lobe is LungLobe.LeftUpper or LungLobe.LeftLower ? BodySide.Left : BodySide.Right;
            var lung = a.Lung(side);
            var (cx, cy) = a.LobeCenter(op.Lobe);
            cx += (rng.NextDouble() * 2 - 1) * 0.1 * lung.RadiusX;
            cy += (rng.NextDouble() * 2 - 1) * 0.1 * lung.RadiusY;
            double r = op.Size == FindingSize.Small ? 0.045 + 0.015 * rng.NextDouble() : 0.085 + 0.025 * rng.NextDouble();
            opacity = (cx, cy, r, 0.75 + 0.15 * rng.NextDouble(), side);
        }

        // Effusion: fluid height above the costophrenic angle.
        double effusionHeight = 0;
        if (f.Effusion is { } eff)
        {
            var rng = geometryRng(FindingKind.Effusion);
            effusionHeight = eff.Size == FindingSize.Small ? 0.10 + 0.03 * rng.NextDouble() : 0.19 + 0.07 * rng.NextDouble();
        }

        // Pneumothorax: the collapsed lung keeps its medial edge and base; the rest of the field is free air.
        NormalizedEllipse? collapsed = null;
        if (f.Pneumothorax is { } ptx)
        {
            var rng = geometryRng(FindingKind.Pneumothorax);
            double c = ptx.Size == FindingSize.Small ? 0.28 + 0.1 * rng.NextDouble() : 0.48 + 0.12 * rng.NextDouble();
            var lung = a.Lung(ptx.Side);
            double rx = lung.RadiusX * (1 - c), ry = lung.RadiusY * (1 - 0.45 * c);
            double medial = ptx.Side == BodySide.Right ? lung.CenterX + lung.RadiusX : lung.CenterX - lung.RadiusX;
            double cx = ptx.Side == BodySide.Right ? medial - rx : medial + rx;
            collapsed = new NormalizedEllipse(cx, lung.CenterY + lung.RadiusY - ry, rx, ry);
        }
        double pleuralLineWidth = Math.Max(0.9 / size, 0.004);

        var pixels = new float[size * size];
        double inv = 1.0 / size;
        for (int j = 0; j < size; j++)
        {
            double y = (j + 0.5) * inv;
            double bodyHalfWidth = 0.11 + (0.47 - 0.11) * SmoothStep(0.03, 0.2, y);
            double mediastinumHalfWidth = 0.062 + 0.03 * SmoothStep(0.2, 0.42, y);
            double mediastinumRows = SmoothStep(0.02, 0.08, y) * SmoothStep(heart.CenterY + heart.RadiusY, heart.CenterY, y);
            double tracheaRows = SmoothStep(0.02, 0.05, y) * SmoothStep(0.33, 0.29, y);
            double vertebra = 0.75 + 0.25 * Math.Cos(2 * Math.PI * y / 0.05);
            for (int i = 0; i < size; i++)
            {
                double x = (i + 0.5) * inv;
                double mid = Math.Abs(x - 0.5);
                double dx = mid / bodyHalfWidth;
                double body = SmoothStep(1.02, 0.97, dx);
                // Soft tissue: thicker (brighter) centrally and towards the abdomen.
                double tissue = 0.36 + 0.16 * Math.Sqrt(Math.Max(0, 1 - dx * dx)) + 0.10 * y;
                double v = OutsideBody + (tissue - OutsideBody) * body;

                double heartMask = SmoothStep(1.0, 0.86, heart.Level(x, y));
                double mediastinum = SmoothStep(mediastinumHalfWidth + 0.012, mediastinumHalfWidth - 0.012, Math.Abs(x - 0.51)) * mediastinumRows;
                double occlusion = Math.Max(heartMask, mediastinum);

                double markings = 0;
                if (x < 0.5) v += LungField(BodySide.Right, x, y, ref markings);
                else v += LungField(BodySide.Left, x, y, ref markings);

                v += 0.17 * occlusion;
                v += 0.11 * markings;
                v += 0.09 * SmoothStep(0.036, 0.028, mid) * vertebra;      // spine
                v -= 0.10 * SmoothStep(0.016, 0.010, mid) * tracheaRows;    // tracheal air column
                v += boneWeight * (0.075 * Ribs(mid, y, a) + 0.09 * Clavicle(mid, y)) * body;
                pixels[j * size + i] = (float)v;

                double LungField(BodySide side, double px, double py, ref double mark)
                {
                    var lung = a.Lung(side);
                    double level = lung.Level(px, py) + 0.12 * (edgeNoise.Sample(px, py) - 0.5);
                    double field = SmoothStep(1.0, 0.9, level) * SmoothStep(a.LungBaseY(side, px) + 0.008, a.LungBaseY(side, px) - 0.008, py);
                    if (field <= 0) return 0;
                    double air = field, textured = field, added = 0;
                    double lateral = a.Laterality(side, px);

                    if (collapsed is not null && f.Pneumothorax!.Side == side)
                    {
                        double q = collapsed.Level(px, py);
                        double inside = SmoothStep(1.0, 0.92, q);
                        air = field * (0.85 * inside + 1.45 * (1 - inside));
                        textured = field * inside;
                        double distance = (Math.Sqrt(q) - 1) * Math.Min(collapsed.RadiusX, collapsed.RadiusY);
                        added += 0.2 * field * Math.Exp(-distance * distance / (pleuralLineWidth * pleuralLineWidth));
                    }
                    if (opacity is { } o && o.Side == side)
                    {
                        double ex = px - o.X, ey = py - o.Y;
                        double radius = o.R * (0.8 + 0.4 * edgeNoise.Sample(px * 3 % 1, py * 3 % 1));
                        double blob = SmoothStep(radius, 0.55 * radius, Math.Sqrt(ex * ex + ey * ey));
                        air *= 1 - o.Density * blob;
                        textured *= 1 - blob;
                        added += 0.05 * blob * field;
                    }
                    if (effusionHeight > 0 && f.Effusion!.Side == side)
                    {
                        // Fluid surface: highest laterally (meniscus), obscuring the costophrenic angle.
                        double surface = a.DomeY(side) + 0.07 - effusionHeight - 0.07 * lateral * lateral;
                        double fluid = SmoothStep(surface - 0.012, surface + 0.012, py);
                        air *= 1 - 0.95 * fluid;
                        textured *= 1 - fluid;
                        added += 0.05 * fluid * field;
                    }
                    air *= 1 - 0.9 * occlusion;
                    textured *= 1 - occlusion;
                    // Vessels: ridges of a smooth random field, denser towards the hilum.
                    double n = 0.65 * texture.Sample(px, py) + 0.35 * fineTexture.Sample(px, py);
                    double ridge = 1 - Math.Abs(2 * n - 1);
                    mark = ridge * ridge * ridge * textured * (1 - 0.45 * lateral);
                    return added - a.LungDarkness * air;
                }
            }
        }

        DrawDevices(pixels, size, f, geometryRng);

        // Exposure, quantum noise, 8-bit quantisation.
        for (int k = 0; k < pixels.Length; k++)
        {
            double u1 = 1.0 - noiseRng.NextDouble(), u2 = noiseRng.NextDouble();
            double gauss = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            double v = a.ExposureGain * pixels[k] + a.ExposureOffset + boneWeight * a.NoiseSigma * gauss;
            pixels[k] = MathF.Round((float)Math.Clamp(v, 0, 1) * 255f) / 255f;
        }
        return pixels;
    }

    /// <summary>Posterior ribs: arcs that rise from the spine and curve down laterally; 0..1 bone profile.</summary>
    private static double Ribs(double mid, double y, ChestAnatomy a)
    {
        if (mid < 0.045) return 0;
        double t = (y - a.RibStartY - (-0.22 * mid + 1.0 * mid * mid)) / a.RibSpacing;
        if (t < 0 || t >= 10) return 0;
        double frac = t - Math.Floor(t);
        return SmoothStep(0.0, 0.07, frac) * SmoothStep(0.40, 0.30, frac) * SmoothStep(0.045, 0.08, mid);
    }

    /// <summary>Clavicles: bands from near the midline at y 0.2 up to the shoulders at y 0.11.</summary>
    private static double Clavicle(double mid, double y)
    {
        const double ax = 0.05, ay = 0.20, bx = 0.30, by = 0.11;
        double vx = bx - ax, vy = by - ay;
        double t = Math.Clamp(((mid - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy), 0, 1);
        double ex = mid - (ax + t * vx), ey = y - (ay + t * vy);
        return SmoothStep(0.016, 0.010, Math.Sqrt(ex * ex + ey * ey));
    }

    /// <summary>Radiopaque devices: blended towards bright along stamped strokes.</summary>
    private static void DrawDevices(float[] pixels, int size, Findings f, Func<FindingKind, Random> geometryRng)
    {
        if (!f.EndotrachealTube && !f.CentralLine) return;
        var mask = new float[pixels.Length];
        if (f.EndotrachealTube)
        {
            var rng = geometryRng(FindingKind.EndotrachealTube);
            double x = 0.5 + (rng.NextDouble() * 2 - 1) * 0.004, tip = 0.26 + 0.05 * rng.NextDouble();
            Stroke(mask, size, t => (x, t * tip), 0.011);
        }
        if (f.CentralLine)
        {
            var rng = geometryRng(FindingKind.CentralLine);
            // Quadratic Bezier from the right axilla (image left) over the clavicle into the SVC.
            double x0 = 0.08 + 0.03 * rng.NextDouble(), y0 = 0.21 + 0.03 * rng.NextDouble();
            double x1 = 0.32, y1 = 0.12 + 0.02 * rng.NextDouble();
            double x2 = 0.465 + 0.01 * rng.NextDouble(), y2 = 0.33 + 0.04 * rng.NextDouble();
            Stroke(mask, size, t =>
            {
                double s = 1 - t;
                return (s * s * x0 + 2 * s * t * x1 + t * t * x2, s * s * y0 + 2 * s * t * y1 + t * t * y2);
            }, 0.008);
        }
        for (int k = 0; k < pixels.Length; k++)
            pixels[k] += (0.95f - pixels[k]) * mask[k];
    }

    /// <summary>Marks pixels within half a width of a curve (t in [0, 1]) with antialiased coverage.</summary>
    private static void Stroke(float[] mask, int size, Func<double, (double X, double Y)> curve, double width)
    {
        double radius = Math.Max(0.7, width * size / 2);
        int steps = Math.Max(16, size * 2);
        int reach = (int)Math.Ceiling(radius + 1);
        for (int s = 0; s <= steps; s++)
        {
            var (nx, ny) = curve((double)s / steps);
            double px = nx * size - 0.5, py = ny * size - 0.5;
            int ci = (int)Math.Round(px), cj = (int)Math.Round(py);
            for (int j = Math.Max(0, cj - reach); j <= Math.Min(size - 1, cj + reach); j++)
                for (int i = Math.Max(0, ci - reach); i <= Math.Min(size - 1, ci + reach); i++)
                {
                    double d = Math.Sqrt((i - px) * (i - px) + (j - py) * (j - py));
                    float w = (float)Math.Clamp(radius + 0.5 - d, 0, 1);
                    ref float m = ref mask[j * size + i];
                    if (w > m) m = w;
                }
        }
    }

    /// <summary>Hermite step from 0 at edge0 to 1 at edge1 (edge0 &gt; edge1 gives a falling step).</summary>
    internal static double SmoothStep(double edge0, double edge1, double v)
    {
        double t = Math.Clamp((v - edge0) / (edge1 - edge0), 0, 1);
        return t * t * (3 - 2 * t);
    }
}
