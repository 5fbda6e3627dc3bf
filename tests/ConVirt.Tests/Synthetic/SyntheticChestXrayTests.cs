using ConVirt.Data;
using ConVirt.Data.Synthetic;
using Xunit;

namespace ConVirt.Tests.Synthetic;

public class SyntheticChestXrayTests
{
    private const int Seed = 17, Size = 128;

    /// <summary>Mean of the pixels whose centres fall in the normalised box [x0, x1] x [y0, y1].</summary>
    private static double Mean(GrayImage img, double x0, double x1, double y0, double y1) => Region(img, x0, x1, y0, y1).Average();

    /// <summary>Standard deviation around the best-fitting plane a + b x + c y over a box: texture, blind to gradients.</summary>
    private static double DetrendedDeviation(GrayImage img, double x0, double x1, double y0, double y1)
    {
        var points = new List<(double X, double Y, double V)>();
        for (int j = 0; j < img.Height; j++)
            for (int i = 0; i < img.Width; i++)
            {
                double x = (i + 0.5) / img.Width, y = (j + 0.5) / img.Height;
                if (x >= x0 && x <= x1 && y >= y0 && y <= y1) points.Add((x, y, img[i, j]));
            }
        // Normal equations of the 3-parameter least-squares fit, solved by Cramer's rule.
        double n = points.Count, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, sv = 0, sxv = 0, syv = 0;
        foreach (var (x, y, v) in points)
        {
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; sv += v; sxv += x * v; syv += y * v;
        }
        static double Det(double a, double b, double c, double d, double e, double f, double g, double h, double k) =>
            a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
        double det = Det(n, sx, sy, sx, sxx, sxy, sy, sxy, syy);
        double p0 = Det(sv, sx, sy, sxv, sxx, sxy, syv, sxy, syy) / det;
        double p1 = Det(n, sv, sy, sx, sxv, sxy, sy, syv, syy) / det;
        double p2 = Det(n, sx, sv, sx, sxx, sxv, sy, sxy, syv) / det;
        return Math.Sqrt(points.Sum(p => Math.Pow(p.V - (p0 + p1 * p.X + p2 * p.Y), 2)) / n);
    }

    private static IEnumerable<double> Region(GrayImage img, double x0, double x1, double y0, double y1)
    {
        for (int j = 0; j < img.Height; j++)
            for (int i = 0; i < img.Width; i++)
            {
                double x = (i + 0.5) / img.Width, y = (j + 0.5) / img.Height;
                if (x >= x0 && x <= x1 && y >= y0 && y <= y1) yield return img[i, j];
            }
    }

    [Fact]
    public void SameSeedGivesByteIdenticalImagesAndIdenticalReports()
    {
        var a = SyntheticChestXray.Generate(5, 96, Seed);
        var b = SyntheticChestXray.Generate(5, 96, Seed);
        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
        Assert.Equal(a.Report, b.Report);
        Assert.Equal(a.Findings, b.Findings);
        Assert.Equal(GrayPngWriter.Encode(a.Image), GrayPngWriter.Encode(b.Image));
        Assert.All(a.Image.Pixels, v => Assert.Equal(MathF.Round(v * 255) / 255, v)); // 8-bit levels
    }

    [Fact]
    public void DifferentIndexOrSeedGivesADifferentCase()
    {
        var a = SyntheticChestXray.Generate(5, 64, Seed).Image.Pixels;
        var b = SyntheticChestXray.Generate(6, 64, Seed).Image.Pixels;
        var c = SyntheticChestXray.Generate(5, 64, Seed + 1).Image.Pixels;
        Assert.True(a.Zip(b).Count(t => t.First != t.Second) > a.Length / 2);
        Assert.True(a.Zip(c).Count(t => t.First != t.Second) > a.Length / 2);
    }

    [Fact]
    public void ReportMentionsExactlyTheFindingsDrawn()
    {
        for (int index = 0; index < 400; index++)
        {
            var findings = SyntheticChestXray.SampleFindings(index, Seed);
            string report = SyntheticReportWriter.Write(findings, new Random(index));
            foreach (var kind in Findings.AllKinds)
            {
                if (findings.Has(kind))
                    Assert.Contains(SyntheticReportWriter.PositiveSentences(findings, kind), s => report.Contains(s, StringComparison.Ordinal));
                else
                    Assert.DoesNotContain(SyntheticReportWriter.PositiveSentences(kind), s => report.Contains(s, StringComparison.Ordinal));
            }
            bool normalImpression = SyntheticReportWriter.NormalImpressions.Any(s => report.Contains(s, StringComparison.Ordinal));
            Assert.Equal(!findings.HasPathology, normalImpression);
        }
    }

    [Fact]
    public void EveryFindingHasAtLeastThreePhrasingsAndSlotsAreFilled()
    {
        foreach (var kind in Findings.AllKinds)
        {
            Assert.True(SyntheticReportWriter.Templates(kind).Count >= 3, $"{kind} has too few phrasings");
            Assert.All(SyntheticReportWriter.PositiveSentences(kind), s => Assert.DoesNotContain("{", s));
        }
        // 4 size-dependent templates x 5 lobes x 2 sizes + 3 size-free templates x 5 lobes.
        Assert.Equal(55, SyntheticReportWriter.PositiveSentences(FindingKind.Opacity).Count);
        var f = new Findings(Effusion: new PleuralFinding(BodySide.Left, FindingSize.Small));
        Assert.Contains("There is a small left pleural effusion.", SyntheticReportWriter.PositiveSentences(f, FindingKind.Effusion));
        Assert.Empty(SyntheticReportWriter.PositiveSentences(f, FindingKind.Pneumothorax));
    }

    [Fact]
    public void PrimaryClassesAreRoughlyBalancedAndFindingsCoOccur()
    {
        var all = Enumerable.Range(0, 3000).Select(i => SyntheticChestXray.SampleFindings(i, Seed)).ToList();
        double Fraction(Func<Findings, bool> p) => all.Count(p) / (double)all.Count;
        Assert.InRange(Fraction(f => f.PrimaryFinding == "normal"), 0.25, 0.31);
        foreach (var label in new[] { "pneumothorax", "effusion", "opacity", "cardiomegaly" })
            Assert.InRange(Fraction(f => f.PrimaryFinding == label), 0.155, 0.205);
        Assert.InRange(Fraction(f => Findings.PrimaryPriority.Count(f.Has) >= 2), 0.08, 0.25);
        Assert.InRange(Fraction(f => f.EndotrachealTube), 0.12, 0.18);
        Assert.InRange(Fraction(f => f.CentralLine), 0.12, 0.18);
        // A primary pathology excludes every pathology above it in the priority list.
        Assert.All(all.Where(f => f.PrimaryFinding == "opacity"), f => Assert.False(f.Has(FindingKind.Pneumothorax) || f.Has(FindingKind.Effusion)));
    }

    [Fact]
    public void PrimaryFindingFollowsThePriorityListAndLabelsAreZeroOne()
    {
        var f = new Findings(Opacity: new OpacityFinding(LungLobe.RightLower, FindingSize.Large), Cardiomegaly: true, CentralLine: true);
        Assert.Equal("opacity", f.PrimaryFinding);
        var labels = f.Labels();
        Assert.Equal("opacity", labels["finding"]);
        Assert.Equal(("1", "1", "0", "0", "0", "1"),
            (labels["opacity"], labels["cardiomegaly"], labels["effusion"], labels["pneumothorax"], labels["endotracheal_tube"], labels["central_line"]));
        Assert.Equal("normal", new Findings(EndotrachealTube: true).PrimaryFinding);
    }

    [Fact]
    public void EffusionBrightensTheLungBaseAndChangesNothingOnTheOtherSide()
    {
        for (int index = 0; index < 6; index++)
        {
            var anatomy = SyntheticChestXray.SampleAnatomy(index, Seed);
            var without = SyntheticChestXray.Render(index, Size, Seed, Findings.None);
            var with = SyntheticChestXray.Render(index, Size, Seed, new Findings(Effusion: new PleuralFinding(BodySide.Right, FindingSize.Small)));
            var lung = anatomy.RightLung;
            double dome = anatomy.RightDomeY;
            double delta = Mean(with, lung.CenterX - 0.4 * lung.RadiusX, lung.CenterX + 0.4 * lung.RadiusX, dome - 0.04, dome)
                - Mean(without, lung.CenterX - 0.4 * lung.RadiusX, lung.CenterX + 0.4 * lung.RadiusX, dome - 0.04, dome);
            Assert.True(delta > 0.15, $"case {index}: base brightened by only {delta:F3}");
            // The upper lung and the whole left half are untouched.
            Assert.Equal(Mean(without, lung.CenterX - 0.3 * lung.RadiusX, lung.CenterX + 0.3 * lung.RadiusX, lung.CenterY - 0.5 * lung.RadiusY, lung.CenterY - 0.3 * lung.RadiusY),
                Mean(with, lung.CenterX - 0.3 * lung.RadiusX, lung.CenterX + 0.3 * lung.RadiusX, lung.CenterY - 0.5 * lung.RadiusY, lung.CenterY - 0.3 * lung.RadiusY));
            Assert.Equal(Region(without, 0.5, 1, 0, 1), Region(with, 0.5, 1, 0, 1));
        }
    }

    [Fact]
    public void PneumothoraxMakesTheLateralLungDarkAndTextureless()
    {
        for (int index = 0; index < 6; index++)
        {
            var lung = SyntheticChestXray.SampleAnatomy(index, Seed).LeftLung;
            var ptx = new Findings(Pneumothorax: new PleuralFinding(BodySide.Left, FindingSize.Large));
            var without = SyntheticChestXray.Render(index, Size, Seed, Findings.None);
            var with = SyntheticChestXray.Render(index, Size, Seed, ptx);
            // A strip along the lateral (image right) edge of the left lung, mid-height.
            double x0 = lung.CenterX + 0.55 * lung.RadiusX, x1 = lung.CenterX + 0.85 * lung.RadiusX;
            double y0 = lung.CenterY - 0.25 * lung.RadiusY, y1 = lung.CenterY + 0.25 * lung.RadiusY;
            double delta = Mean(without, x0, x1, y0, y1) - Mean(with, x0, x1, y0, y1);
            Assert.True(delta > 0.08, $"case {index}: lateral lung darkened by only {delta:F3}");
            // Without ribs and pixel noise the strip shows lung markings (std 0.008-0.02 around a plane), or only
            // 8-bit quantisation (std 1/255/sqrt(12) = 0.0011) when the lung has collapsed away from it.
            double textureWith = DetrendedDeviation(SyntheticChestXray.Render(index, Size, Seed, ptx, bonesAndNoise: false), x0, x1, y0, y1);
            double textureWithout = DetrendedDeviation(SyntheticChestXray.Render(index, Size, Seed, Findings.None, bonesAndNoise: false), x0, x1, y0, y1);
            Assert.True(textureWithout > 0.005, $"case {index}: normal lung texture only {textureWithout:F4}");
            Assert.True(textureWith < 0.25 * textureWithout, $"case {index}: texture {textureWith:F4} with vs {textureWithout:F4} without");
        }
    }

    [Fact]
    public void CardiomegalyWidensTheHeartBeyondHalfTheThorax()
    {
        for (int index = 0; index < 6; index++)
        {
            var a = SyntheticChestXray.SampleAnatomy(index, Seed);
            Assert.True(2 * a.HeartHalfWidth(true) > a.ThoraxHalfWidth, "enlarged heart is not wider than half the thorax");
            Assert.True(2 * a.HeartHalfWidth(false) < a.ThoraxHalfWidth, "normal heart is wider than half the thorax");
            var without = SyntheticChestXray.Render(index, Size, Seed, Findings.None);
            var with = SyntheticChestXray.Render(index, Size, Seed, new Findings(Cardiomegaly: true));
            // Between the normal and the enlarged left heart border, at the heart's centre height.
            double x0 = a.HeartCenterX(false) + a.HeartHalfWidth(false) + 0.02, x1 = a.HeartCenterX(true) + a.HeartHalfWidth(true) - 0.03;
            double y0 = a.HeartCenterY - 0.02, y1 = a.HeartCenterY + 0.02;
            double delta = Mean(with, x0, x1, y0, y1) - Mean(without, x0, x1, y0, y1);
            Assert.True(delta > 0.15, $"case {index}: heart border region brightened by only {delta:F3}");
        }
    }

    [Theory]
    [InlineData(LungLobe.RightUpper)]
    [InlineData(LungLobe.RightMiddle)]
    [InlineData(LungLobe.RightLower)]
    [InlineData(LungLobe.LeftUpper)]
    [InlineData(LungLobe.LeftLower)]
    public void OpacityBrightensItsLobe(object lobeValue)   // object: the enum is internal to the library
    {
        var lobe = (LungLobe)lobeValue;
        for (int index = 0; index < 4; index++)
        {
            var (cx, cy) = SyntheticChestXray.SampleAnatomy(index, Seed).LobeCenter(lobe);
            var without = SyntheticChestXray.Render(index, Size, Seed, Findings.None);
            var with = SyntheticChestXray.Render(index, Size, Seed, new Findings(Opacity: new OpacityFinding(lobe, FindingSize.Small)));
            double delta = Mean(with, cx - 0.015, cx + 0.015, cy - 0.015, cy + 0.015) - Mean(without, cx - 0.015, cx + 0.015, cy - 0.015, cy + 0.015);
            Assert.True(delta > 0.1, $"case {index}: {lobe} brightened by only {delta:F3}");
        }
    }

    [Fact]
    public void EndotrachealTubeIsABrightLineInTheTrachea()
    {
        var without = SyntheticChestXray.Render(3, Size, Seed, Findings.None);
        var with = SyntheticChestXray.Render(3, Size, Seed, new Findings(EndotrachealTube: true));
        double delta = Mean(with, 0.49, 0.51, 0.05, 0.2) - Mean(without, 0.49, 0.51, 0.05, 0.2);
        Assert.True(delta > 0.12, $"tube brightened the trachea by only {delta:F3}");
    }

    [Fact]
    public void TooSmallSizeIsRejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticChestXray.Generate(0, 8, Seed));
        Assert.Contains("got 8", ex.Message);
    }
}
