namespace ConVirt.Data.Synthetic;

/// <summary>
/// What one synthetic radiograph shows. Any combination may co-occur; the case's class is
/// <see cref="PrimaryFinding"/>, the first present finding in <see cref="PrimaryPriority"/>.
/// </summary>
/// <param name="Opacity">Focal opacity, or null.</param>
/// <param name="Effusion">Pleural effusion, or null.</param>
/// <param name="Cardiomegaly">Whether the heart is enlarged.</param>
/// <param name="Pneumothorax">Pneumothorax, or null.</param>
/// <param name="EndotrachealTube">Whether an endotracheal tube is drawn.</param>
/// <param name="CentralLine">Whether a right subclavian central line is drawn.</param>
internal sealed record Findings(
    OpacityFinding? Opacity = null,
    PleuralFinding? Effusion = null,
    bool Cardiomegaly = false,
    PleuralFinding? Pneumothorax = null,
    bool EndotrachealTube = false,
    bool CentralLine = false)
{
    /// <summary>The class name of a case with no pathology (devices may be present).</summary>
    public const string NormalLabel = "normal";

    /// <summary>No findings at all.</summary>
    public static Findings None { get; } = new();

    /// <summary>The pathologies in the order that decides a case's primary finding (most urgent first).</summary>
    public static IReadOnlyList<FindingKind> PrimaryPriority { get; } =
        [FindingKind.Pneumothorax, FindingKind.Effusion, FindingKind.Opacity, FindingKind.Cardiomegaly];

    /// <summary>Every finding type, pathologies first, then devices.</summary>
    public static IReadOnlyList<FindingKind> AllKinds { get; } =
        [FindingKind.Pneumothorax, FindingKind.Effusion, FindingKind.Opacity, FindingKind.Cardiomegaly,
         FindingKind.EndotrachealTube, FindingKind.CentralLine];

    /// <summary>The primary class names: "normal" then the pathologies' label names.</summary>
    public static IReadOnlyList<string> PrimaryLabels { get; } =
        [NormalLabel, .. PrimaryPriority.Select(LabelName)];

    /// <summary>The manifest label key of a finding type: "pneumothorax", "effusion", "opacity", "cardiomegaly", "endotracheal_tube", "central_line".</summary>
    public static string LabelName(FindingKind kind) => kind switch
    {
        FindingKind.Pneumothorax => "pneumothorax",
        FindingKind.Effusion => "effusion",
        FindingKind.Opacity => "opacity",
        FindingKind.Cardiomegaly => "cardiomegaly",
        FindingKind.EndotrachealTube => "endotracheal_tube",
        FindingKind.CentralLine => "central_line",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown finding kind."),
    };

    /// <summary>Whether the finding type is present.</summary>
    public bool Has(FindingKind kind) => kind switch
    {
        FindingKind.Pneumothorax => Pneumothorax is not null,
        FindingKind.Effusion => Effusion is not null,
        FindingKind.Opacity => Opacity is not null,
        FindingKind.Cardiomegaly => Cardiomegaly,
        FindingKind.EndotrachealTube => EndotrachealTube,
        FindingKind.CentralLine => CentralLine,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown finding kind."),
    };

    /// <summary>Whether any pathology (not counting devices) is present.</summary>
    public bool HasPathology => PrimaryPriority.Any(Has);

    /// <summary>The label name of the first present pathology in <see cref="PrimaryPriority"/>, or "normal".</summary>
    public string PrimaryFinding
    {
        get
        {
            foreach (var kind in PrimaryPriority)
                if (Has(kind)) return LabelName(kind);
            return NormalLabel;
        }
    }

    /// <summary>The same findings with one type removed (for rendering a case with and without it).</summary>
    public Findings Without(FindingKind kind) => kind switch
    {
        FindingKind.Pneumothorax => this with { Pneumothorax = null },
        FindingKind.Effusion => this with { Effusion = null },
        FindingKind.Opacity => this with { Opacity = null },
        FindingKind.Cardiomegaly => this with { Cardiomegaly = false },
        FindingKind.EndotrachealTube => this with { EndotrachealTube = false },
        FindingKind.CentralLine => this with { CentralLine = false },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown finding kind."),
    };

    /// <summary>Manifest labels: "finding" = <see cref="PrimaryFinding"/>, then one "0"/"1" entry per finding type.</summary>
    public IReadOnlyDictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string> { ["finding"] = PrimaryFinding };
        foreach (var kind in AllKinds) labels[LabelName(kind)] = Has(kind) ? "1" : "0";
        return labels;
    }
}
