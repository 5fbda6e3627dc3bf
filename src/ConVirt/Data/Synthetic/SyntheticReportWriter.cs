using System.Text;

namespace ConVirt.Data.Synthetic;

/// <summary>
/// Writes a radiology report from <see cref="Findings"/>: examination, indication, comparison, a findings
/// section (devices, heart, lungs, pleura in varying order, pertinent negatives) and an impression. Each
/// finding has several phrasings (templates with {side}, {lobe}, {size}, {cm} slots); a report contains at
/// least one positive phrasing of every present finding and none of an absent one.
/// </summary>
internal static class SyntheticReportWriter
{
    private static readonly Dictionary<FindingKind, string[]> FindingTemplates = new()
    {
        [FindingKind.Opacity] =
        [
            "There is a {size} opacity in the {lobe}.",
            "{Size} focal consolidation in the {lobe}.",
            "A {size} area of airspace consolidation projects over the {lobe}.",
            "Patchy airspace opacity in the {lobe}, concerning for pneumonia.",
        ],
        [FindingKind.Effusion] =
        [
            "There is a {size} {side} pleural effusion.",
            "{Size} {side} pleural effusion with blunting of the costophrenic angle.",
            "Blunting of the {side} costophrenic angle consistent with a {size} effusion.",
            "Meniscus-shaped opacity at the {side} lung base compatible with a {size} pleural effusion.",
        ],
        [FindingKind.Cardiomegaly] =
        [
            "The heart is enlarged.",
            "Cardiomegaly is present.",
            "The cardiac silhouette is enlarged.",
            "The cardiothoracic ratio is increased, consistent with cardiomegaly.",
        ],
        [FindingKind.Pneumothorax] =
        [
            "There is a {size} {side} pneumothorax.",
            "A {side} visceral pleural line is visible with absent lung markings lateral to it, consistent with a {size} pneumothorax.",
            "{Size} {side} apical and lateral pneumothorax.",
        ],
        [FindingKind.EndotrachealTube] =
        [
            "Endotracheal tube terminates {cm} cm above the carina.",
            "An endotracheal tube is in place with its tip {cm} cm above the carina.",
            "ET tube in standard position.",
        ],
        [FindingKind.CentralLine] =
        [
            "Right subclavian central venous catheter with tip in the SVC.",
            "A right-sided central line terminates in the superior vena cava.",
            "Central venous catheter tip projects over the lower SVC.",
        ],
    };

    private static readonly Dictionary<FindingKind, string[]> ImpressionTemplates = new()
    {
        [FindingKind.Opacity] = ["{Lobe} pneumonia.", "{Lobe} consolidation, likely pneumonia.", "{Size} {lobe} opacity."],
        [FindingKind.Effusion] = ["{Side} pleural effusion.", "{Size} {side} effusion."],
        [FindingKind.Cardiomegaly] = ["Cardiomegaly without pulmonary edema.", "Enlarged cardiac silhouette."],
        [FindingKind.Pneumothorax] = ["{Side} pneumothorax.", "{Size} {side} pneumothorax, clinical team notified."],
        [FindingKind.EndotrachealTube] = [],
        [FindingKind.CentralLine] = [],
    };

    private static readonly string[] Examinations =
        ["EXAMINATION: Chest radiograph, PA view.", "EXAM: Chest, single frontal view.", "EXAMINATION: Portable AP chest."];
    private static readonly string[] Indications =
        ["Cough.", "Shortness of breath.", "Fever.", "Chest pain.", "Pre-operative evaluation.", "Follow-up."];
    private static readonly string[] Comparisons =
        ["COMPARISON: None.", "Comparison: none.", "COMPARISON: None available."];
    private static readonly string[] NormalHeart =
        ["Heart size is normal.", "The cardiomediastinal silhouette is within normal limits.", "Normal heart size."];
    private static readonly string[] ClearLungs =
        ["Lungs are clear.", "The lungs are clear.", "No focal consolidation.", "No focal airspace opacity."];
    private static readonly string[] NoPleuralFinding =
        ["No pleural effusion or pneumothorax.", "There is no pleural effusion or pneumothorax."];
    private static readonly string[] Bones =
        ["No acute osseous abnormality.", "Osseous structures are intact."];

    /// <summary>Impressions of a case without pathology.</summary>
    public static IReadOnlyList<string> NormalImpressions { get; } =
        ["No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality.", "No radiographic evidence of acute disease.", "Normal chest radiograph."];

    /// <summary>The positive templates of a finding type (findings-section phrasings, then impression phrasings).</summary>
    public static IReadOnlyList<string> Templates(FindingKind kind) => [.. FindingTemplates[kind], .. ImpressionTemplates[kind]];

    /// <summary>Every positive sentence the writer can produce for a finding type, over all slot values.</summary>
    public static IReadOnlyList<string> PositiveSentences(FindingKind kind)
    {
        var slots = kind switch
        {
            FindingKind.Opacity => Enum.GetValues<LungLobe>().SelectMany(l => Enum.GetValues<FindingSize>(), (l, s) => OpacitySlots(new OpacityFinding(l, s))),
            FindingKind.Effusion or FindingKind.Pneumothorax =>
                Enum.GetValues<BodySide>().SelectMany(side => Enum.GetValues<FindingSize>(), (side, s) => PleuralSlots(new PleuralFinding(side, s))),
            FindingKind.EndotrachealTube => Enumerable.Range(3, 4).Select(TubeSlots),
            _ => [new Dictionary<string, string>()],
        };
        return slots.SelectMany(s => Templates(kind).Select(t => Fill(t, s))).Distinct().ToList();
    }

    /// <summary>The positive sentences that describe this case's finding of the given type (empty when absent).</summary>
    public static IReadOnlyList<string> PositiveSentences(Findings findings, FindingKind kind)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (!findings.Has(kind)) return [];
        var slots = kind switch
        {
            FindingKind.Opacity => [OpacitySlots(findings.Opacity!)],
            FindingKind.Effusion => [PleuralSlots(findings.Effusion!)],
            FindingKind.Pneumothorax => [PleuralSlots(findings.Pneumothorax!)],
            FindingKind.EndotrachealTube => Enumerable.Range(3, 4).Select(TubeSlots).ToList(),
            _ => new List<Dictionary<string, string>> { new() },
        };
        return slots.SelectMany(s => Templates(kind).Select(t => Fill(t, s))).Distinct().ToList();
    }

    /// <summary>
    /// Writes one report; the wording is drawn from <paramref name="rng"/>. A <paramref name="concise"/> report
    /// leaves out the examination, indication, comparison and bone sentences (which say nothing about the
    /// findings), so that a uniformly sampled sentence is informative more often: the demo uses it to show
    /// learning within minutes.
    /// </summary>
    public static string Write(Findings findings, Random rng, bool concise = false)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(rng);
        var text = new StringBuilder();
        void Add(string sentence) => text.Append(text.Length == 0 ? "" : " ").Append(sentence);
        string Pick(IReadOnlyList<string> options) => options[rng.Next(options.Count)];
        string Phrase(FindingKind kind, string[] templates) => Fill(templates[rng.Next(templates.Length)], Slots(findings, kind, rng));

        var exam = Pick(Examinations);
        var indication = rng.NextDouble() < 0.7 ? "INDICATION: " + Pick(Indications) : null;
        var comparison = rng.NextDouble() < 0.8 ? Pick(Comparisons) : null;
        if (!concise)
        {
            Add(exam);
            if (indication is not null) Add(indication);
            if (comparison is not null) Add(comparison);
        }

        Add("FINDINGS:");
        if (findings.EndotrachealTube) Add(Phrase(FindingKind.EndotrachealTube, FindingTemplates[FindingKind.EndotrachealTube]));
        if (findings.CentralLine) Add(Phrase(FindingKind.CentralLine, FindingTemplates[FindingKind.CentralLine]));
        var parts = new List<Func<IEnumerable<string>>>
        {
            () => [findings.Cardiomegaly ? Phrase(FindingKind.Cardiomegaly, FindingTemplates[FindingKind.Cardiomegaly]) : Pick(NormalHeart)],
            () => [findings.Opacity is not null ? Phrase(FindingKind.Opacity, FindingTemplates[FindingKind.Opacity]) : Pick(ClearLungs)],
            () => Pleura(findings, rng, Phrase),
        };
        // Radiologists order the findings section differently; shuffle heart, lungs and pleura.
        for (int i = parts.Count - 1; i > 0; i--)
        {
            int k = rng.Next(i + 1);
            (parts[i], parts[k]) = (parts[k], parts[i]);
        }
        foreach (var part in parts)
            foreach (var sentence in part()) Add(sentence);
        var bones = rng.NextDouble() < 0.5 ? Pick(Bones) : null;
        if (bones is not null && !concise) Add(bones);

        Add("IMPRESSION:");
        bool any = false;
        foreach (var kind in Findings.PrimaryPriority)
        {
            if (!findings.Has(kind)) continue;
            Add(Phrase(kind, ImpressionTemplates[kind]));
            any = true;
        }
        if (!any)
        {
            var impressions = findings.EndotrachealTube || findings.CentralLine ? NormalImpressions.Take(3).ToList() : NormalImpressions;
            Add(Pick(impressions));
        }
        return text.ToString();
    }

    private static IEnumerable<string> Pleura(Findings f, Random rng, Func<FindingKind, string[], string> phrase)
    {
        var sentences = new List<string>();
        if (f.Effusion is not null) sentences.Add(phrase(FindingKind.Effusion, FindingTemplates[FindingKind.Effusion]));
        if (f.Pneumothorax is not null) sentences.Add(phrase(FindingKind.Pneumothorax, FindingTemplates[FindingKind.Pneumothorax]));
        double negative = rng.NextDouble();
        if (f.Effusion is null && f.Pneumothorax is null) sentences.Add(NoPleuralFinding[negative < 0.5 ? 0 : 1]);
        else if (f.Effusion is null && negative < 0.8) sentences.Add("No pleural effusion.");
        else if (f.Pneumothorax is null && negative < 0.8) sentences.Add("No pneumothorax.");
        return sentences;
    }

    private static Dictionary<string, string> Slots(Findings f, FindingKind kind, Random rng) => kind switch
    {
        FindingKind.Opacity => OpacitySlots(f.Opacity!),
        FindingKind.Effusion => PleuralSlots(f.Effusion!),
        FindingKind.Pneumothorax => PleuralSlots(f.Pneumothorax!),
        FindingKind.EndotrachealTube => TubeSlots(3 + rng.Next(4)),
        _ => [],
    };

    private static Dictionary<string, string> OpacitySlots(OpacityFinding o) => WithCapitals(new()
    {
        ["lobe"] = o.Lobe switch
        {
            LungLobe.RightUpper => "right upper lobe",
            LungLobe.RightMiddle => "right middle lobe",
            LungLobe.RightLower => "right lower lobe",
            LungLobe.LeftUpper => "left upper lobe",
            _ => "left lower lobe",
        },
        ["size"] = o.Size == FindingSize.Small ? "small" : "large",
    });

    private static Dictionary<string, string> PleuralSlots(PleuralFinding p) => WithCapitals(new()
    {
        ["side"] = p.Side == BodySide.Right ? "right" : "left",
        ["size"] = p.Size == FindingSize.Small ? "small" : "large",
    });

    private static Dictionary<string, string> TubeSlots(int cm) => new() { ["cm"] = cm.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static Dictionary<string, string> WithCapitals(Dictionary<string, string> slots)
    {
        foreach (var (key, value) in slots.ToList())
            slots[char.ToUpperInvariant(key[0]) + key[1..]] = char.ToUpperInvariant(value[0]) + value[1..];
        return slots;
    }

    private static string Fill(string template, IReadOnlyDictionary<string, string> slots)
    {
        foreach (var (key, value) in slots) template = template.Replace("{" + key + "}", value, StringComparison.Ordinal);
        return template;
    }
}
