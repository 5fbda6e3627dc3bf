namespace ConVirt.Data.Synthetic;

/// <summary>
/// Generates chest-radiograph-like images with known findings and matching reports, reproducibly from
/// (seed, index): dark lung fields, heart and mediastinum, spine, ribs, clavicles, soft-tissue gradient and
/// noise, with opacity, pleural effusion, cardiomegaly, pneumothorax and support devices drawn in.
/// </summary>
/// <remarks>
/// Class frequencies: normal 28 %, and 18 % each for pneumothorax, effusion, opacity and cardiomegaly as the
/// primary finding; each pathology below the primary one in <see cref="Findings.PrimaryPriority"/> co-occurs
/// with probability 0.2; endotracheal tube and central line appear independently with probability 0.15.
/// Anatomy, noise, each finding's geometry and the report wording come from separate random streams, so
/// <see cref="Render(int, int, int, Findings)"/> with one finding removed changes only that finding's pixels.
/// </remarks>
internal static class SyntheticChestXray
{
    /// <summary>Probability that a case has no pathology.</summary>
    public const double NormalFraction = 0.28;

    /// <summary>Probability that a lower-priority pathology accompanies the primary one.</summary>
    public const double SecondaryProbability = 0.2;

    /// <summary>Probability of each support device.</summary>
    public const double DeviceProbability = 0.15;

    /// <summary>Smallest supported image side.</summary>
    public const int MinSize = 16;

    /// <summary>Generates case <paramref name="index"/> of the data set <paramref name="seed"/> at size x size pixels.</summary>
    public static SyntheticCase Generate(int index, int size, int seed, bool conciseReport = false)
    {
        var findings = SampleFindings(index, seed);
        var image = Render(index, size, seed, findings);
        var report = SyntheticReportWriter.Write(findings, CaseSeed.Create(seed, index, CaseSeed.Report), conciseReport);
        return new SyntheticCase(index, image, findings, report);
    }

    /// <summary>The findings of case <paramref name="index"/>.</summary>
    public static Findings SampleFindings(int index, int seed)
    {
        var rng = CaseSeed.Create(seed, index, CaseSeed.Findings);
        double u = rng.NextDouble();
        var priority = Findings.PrimaryPriority;
        int primary = u < NormalFraction
            ? -1
            : Math.Min(priority.Count - 1, (int)((u - NormalFraction) / ((1 - NormalFraction) / priority.Count)));
        var present = new bool[priority.Count];
        for (int k = 0; k < priority.Count; k++)
        {
            double draw = rng.NextDouble(); // always drawn, so later draws do not depend on the class
            present[k] = primary >= 0 && (k == primary || (k > primary && draw < SecondaryProbability));
        }
        var lobe = (LungLobe)rng.Next(5);
        var opacitySize = rng.Next(2) == 0 ? FindingSize.Small : FindingSize.Large;
        var effusion = new PleuralFinding(rng.Next(2) == 0 ? BodySide.Right : BodySide.Left, rng.Next(2) == 0 ? FindingSize.Small : FindingSize.Large);
        var pneumothorax = new PleuralFinding(rng.Next(2) == 0 ? BodySide.Right : BodySide.Left, rng.Next(2) == 0 ? FindingSize.Small : FindingSize.Large);
        bool tube = rng.NextDouble() < DeviceProbability, line = rng.NextDouble() < DeviceProbability;
        bool Present(FindingKind kind) => present[IndexOf(priority, kind)];
        return new Findings(
            Opacity: Present(FindingKind.Opacity) ? new OpacityFinding(lobe, opacitySize) : null,
            Effusion: Present(FindingKind.Effusion) ? effusion : null,
            Cardiomegaly: Present(FindingKind.Cardiomegaly),
            Pneumothorax: Present(FindingKind.Pneumothorax) ? pneumothorax : null,
            EndotrachealTube: tube,
            CentralLine: line);
    }

    /// <summary>The anatomy and exposure of case <paramref name="index"/> (independent of its findings).</summary>
    public static ChestAnatomy SampleAnatomy(int index, int seed) =>
        ChestAnatomy.Sample(CaseSeed.Create(seed, index, CaseSeed.Anatomy));

    /// <summary>
    /// Renders case <paramref name="index"/>'s patient with the given findings (which need not be its sampled
    /// ones), e.g. to compare the same case with and without one finding.
    /// </summary>
    public static GrayImage Render(int index, int size, int seed, Findings findings) => Render(index, size, seed, findings, bonesAndNoise: true);

    /// <summary>As the public overload; bonesAndNoise = false leaves out ribs, clavicles and pixel noise (for tests).</summary>
    internal static GrayImage Render(int index, int size, int seed, Findings findings, bool bonesAndNoise)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (size < MinSize || size > 4096)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Synthetic image size must be in [{MinSize}, 4096]; got {size}.");
        var anatomy = SampleAnatomy(index, seed);
        var pixels = ChestRadiographRenderer.Render(anatomy, findings, size,
            CaseSeed.Create(seed, index, CaseSeed.Noise),
            kind => CaseSeed.Create(seed, index, CaseSeed.FindingGeometry + (int)kind), bonesAndNoise);
        return new GrayImage(size, size, pixels);
    }

    private static int IndexOf(IReadOnlyList<FindingKind> list, FindingKind kind)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == kind) return i;
        return -1;
    }
}
