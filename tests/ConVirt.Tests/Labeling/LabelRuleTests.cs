namespace ConVirt.Tests.Labeling;

/// <summary>
/// Every rule of the labeler on hand-written report sentences, with the exact labels expected (keys absent
/// when not mentioned), for both shipped schemes.
/// </summary>
public sealed class LabelRuleTests
{
    static readonly ReportLabeler Cx14 = ReportLabeler.FromScheme(LabelScheme.ChestXray14);
    static readonly ReportLabeler Chexpert = ReportLabeler.FromScheme(LabelScheme.Chexpert);

    static void Expect(ReportLabeler labeler, string report, params (string Key, int Value)[] expected)
    {
        var labels = labeler.Label(report);
        var want = expected.ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(want.OrderBy(kv => kv.Key), labels.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void APlainMentionIsPositiveAndNothingElseIsWritten()
    {
        Expect(Cx14, "Small left pleural effusion.", ("effusion", 1));
        Expect(Chexpert, "Small left pleural effusion.", ("pleural-effusion", 1));
    }

    [Fact]
    public void NegationWithinTheClause()
    {
        Expect(Cx14, "No pleural effusion.", ("effusion", 0), ("no-finding", 1));
        Expect(Chexpert, "There is no evidence of pneumothorax.", ("pneumothorax", 0), ("no-finding", 1));
        Expect(Cx14, "Pneumothorax is not seen.", ("pneumothorax", 0), ("no-finding", 1));
        Expect(Cx14, "Lungs are free of consolidation.", ("consolidation", 0), ("no-finding", 1));
    }

    [Fact]
    public void NegationReachesEveryItemOfAList()
    {
        Expect(Cx14, "No focal consolidation, pleural effusion, or pneumothorax.",
            ("consolidation", 0), ("effusion", 0), ("pneumothorax", 0), ("no-finding", 1));
        Expect(Chexpert, "No effusion, pneumothorax or consolidation.",
            ("pleural-effusion", 0), ("pneumothorax", 0), ("consolidation", 0), ("no-finding", 1));
    }

    [Fact]
    public void NegationScopeEndsAtButAtTheSentenceEndAndAtTheWindow()
    {
        Expect(Cx14, "No effusion but mild cardiomegaly.", ("effusion", 0), ("cardiomegaly", 1));
        Expect(Cx14, "No effusion. Atelectasis at the left base.", ("effusion", 0), ("atelectasis", 1));
        Expect(Chexpert, "No pneumothorax; small right effusion.", ("pneumothorax", 0), ("pleural-effusion", 1));
        // 13 tokens between "no" and "atelectasis": beyond window-pre (12) of the shipped schemes
        Expect(Cx14, "No acute bony abnormality is seen in the ribs or spine on these views at this time atelectasis.",
            ("atelectasis", 1));
    }

    [Fact]
    public void PseudoNegationsDoNotNegate()
    {
        Expect(Cx14, "No change in the small right effusion.", ("effusion", 1));
        Expect(Chexpert, "No interval change in the small right effusion.", ("pleural-effusion", 1));
        Expect(Cx14, "There is not only atelectasis but also consolidation.", ("atelectasis", 1), ("consolidation", 1));
    }

    [Fact]
    public void UncertaintyTriggers()
    {
        Expect(Cx14, "Cannot exclude pneumonia.", ("pneumonia", -1));
        Expect(Cx14, "Basilar opacity may represent atelectasis.", ("atelectasis", -1));
        // versus: chexpert makes both sides uncertain; chestxray14 (the NIH gold convention) only the alternative after it
        Expect(Chexpert, "Atelectasis versus pneumonia.", ("atelectasis", -1), ("pneumonia", -1));
        Expect(Cx14, "Atelectasis versus pneumonia.", ("atelectasis", 1), ("pneumonia", -1));
        Expect(Cx14, "Findings suggestive of edema.", ("edema", -1));
        Expect(Cx14, "Pneumothorax cannot be excluded.", ("pneumothorax", -1));
        Expect(Chexpert, "Findings concerning for pneumonia.", ("pneumonia", -1));
        // the nearest trigger wins: "possible" is nearer to atelectasis than "no"
        Expect(Cx14, "No effusion, possible atelectasis.", ("effusion", 0), ("atelectasis", -1));
    }

    [Fact]
    public void ResolvedAndRemovedFindingsAreNegative()
    {
        Expect(Cx14, "The right pneumothorax has resolved.", ("pneumothorax", 0), ("no-finding", 1));
        Expect(Cx14, "Interval resolution of the left effusion.", ("effusion", 0), ("no-finding", 1));
        Expect(Chexpert, "The endotracheal tube has been removed.", ("support-devices", 0), ("no-finding", 1));
    }

    [Fact]
    public void SectionsOtherThanFindingsAndImpressionAreSkipped()
    {
        const string report = "INDICATION: fever, pneumonia? COMPARISON: pneumothorax on prior. FINDINGS: Heart size is normal. IMPRESSION: No acute disease.";
        Expect(Cx14, report, ("cardiomegaly", 0), ("no-finding", 1));
        Expect(Chexpert, report, ("cardiomegaly", 0), ("no-finding", 1));
        // a report of only skipped sections reads nothing: all keys absent
        Expect(Cx14, "HISTORY: effusion.");
        // text before any heading is read
        Expect(Cx14, "Large effusion. INDICATION: cough", ("effusion", 1));
    }

    [Fact]
    public void DeidentificationPlaceholdersCapitalsAndAbbreviations()
    {
        Expect(Cx14, "there are no xxxx of a pleural effusion.", ("effusion", 0), ("no-finding", 1));
        Expect(Cx14, "XXXX RIGHT PNEUMOTHORAX.", ("pneumothorax", 1));
        Expect(Cx14, "Small PTX.", ("pneumothorax", 1));
        Expect(Chexpert, "Findings of CHF.", ("edema", 1));
    }

    [Fact]
    public void HyphenationAndLineBreaks()
    {
        Expect(Cx14, "Small left effu-\nsion.", ("effusion", 1));
        Expect(Cx14, "No pleural\r\n  effusion.", ("effusion", 0), ("no-finding", 1));
        // a blank line ends a sentence (and so a negation's scope)
        Expect(Cx14, "No pneumothorax\n\nAtelectasis at the base", ("pneumothorax", 0), ("atelectasis", 1));
        // a hyphen inside a line splits words: "x-ray" is two words, "well-expanded" too
        Expect(Cx14, "Well-expanded lungs without pneumo-thorax.", ("no-finding", 1));
        Expect(Chexpert, "Small left pleural effu-\n  sion. No pneumo-\nthorax.", ("pleural-effusion", 1), ("pneumothorax", 0));
        Expect(Chexpert, "No focal\nconsolidation\n\nAtelectasis", ("consolidation", 0), ("atelectasis", 1));
    }

    [Fact]
    public void AnAbsentPhraseAndANegationInsideAMentionAreNegative()
    {
        Expect(Cx14, "The heart is not enlarged.", ("cardiomegaly", 0), ("no-finding", 1));
        Expect(Cx14, "The heart size is normal.", ("cardiomegaly", 0), ("no-finding", 1));
        Expect(Cx14, "The heart is mildly enlarged.", ("cardiomegaly", 1));
        Expect(Chexpert, "The heart is not enlarged. The mediastinum is normal.", ("cardiomegaly", 0), ("enlarged-cardiomediastinum", 0), ("no-finding", 1));
        Expect(Chexpert, "The heart is possibly enlarged.", ("cardiomegaly", -1));
    }

    [Fact]
    public void AggregationPositiveBeatsUncertainBeatsNegative()
    {
        Expect(Cx14, "No effusion on the left. Small right effusion.", ("effusion", 1));
        Expect(Cx14, "Possible small effusion. No effusion on the right.", ("effusion", -1));
        Expect(Cx14, "Possible effusion. Definite effusion on the left.", ("effusion", 1));
        Expect(Chexpert, "No fracture. Possible fracture of the left sixth rib. No fracture on the right.", ("fracture", -1));
        Expect(Chexpert, "Possible fracture. Acute fracture of the left sixth rib.", ("fracture", 1));
    }

    [Fact]
    public void NoFindingOnlyWhenNothingButIgnoredObservationsIsPositiveOrUncertain()
    {
        // chexpert: support devices do not count against No Finding
        Expect(Chexpert, "Endotracheal tube in place. Lungs are clear. No pneumothorax.", ("support-devices", 1), ("pneumothorax", 0), ("no-finding", 1));
        Expect(Chexpert, "Possible pneumonia.", ("pneumonia", -1));
        Expect(Chexpert, "Lungs are clear.", ("no-finding", 1));
        // chestxray14: an abnormality outside the 14 findings (a granuloma) is not 'no finding', and is not written
        Expect(Cx14, "Calcified granuloma in the right upper lobe.");
        Expect(Cx14, "No calcified granuloma.", ("no-finding", 1));
    }

    [Fact]
    public void TheUncertainPolicyMapsMinusOne()
    {
        var ones = ReportLabeler.FromScheme(LabelScheme.ChestXray14, new ReportLabelerOptions { Uncertain = UncertainLabels.Positive });
        var zeros = ReportLabeler.FromScheme(LabelScheme.ChestXray14, new ReportLabelerOptions { Uncertain = UncertainLabels.Negative });
        Expect(ones, "Cannot exclude pneumonia. No effusion.", ("pneumonia", 1), ("effusion", 0));
        Expect(zeros, "Cannot exclude pneumonia. No effusion.", ("pneumonia", 0), ("effusion", 0));
    }

    [Fact]
    public void WithoutNegationHandlingEveryMentionIsPositive()
    {
        var plain = ReportLabeler.FromScheme(LabelScheme.ChestXray14, new ReportLabelerOptions { Negation = false });
        Expect(plain, "No pleural effusion. The heart size is normal. Possible atelectasis.", ("effusion", 1), ("atelectasis", -1));
    }

    [Fact]
    public void KeysAreTheSchemesObservationsThenNoFinding()
    {
        Assert.Equal(["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia", "pneumothorax", "consolidation", "edema",
            "emphysema", "fibrosis", "pleural-thickening", "hernia", "no-finding"], Cx14.Keys);
        Assert.Equal(["enlarged-cardiomediastinum", "cardiomegaly", "lung-lesion", "lung-opacity", "edema", "consolidation", "pneumonia", "atelectasis",
            "pneumothorax", "pleural-effusion", "pleural-other", "fracture", "support-devices", "no-finding"], Chexpert.Keys);
    }

    [Fact]
    public void TheChexpertPromptPairsSayWhatTheirLabelsSay()
    {
        // prompts/chexpert-pairs.jsonl: each positive sentence is labelled 1 for its key by the chexpert scheme, each negative one is not
        string file = Path.Combine(TestPaths.RepoRoot, "prompts", "chexpert-pairs.jsonl");
        var rows = File.ReadAllLines(file).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        var seen = new HashSet<string>();
        foreach (var row in rows)
        {
            string label = (string)row["label"]!, text = (string)row["text"]!;
            var parts = label.Split(':');
            Assert.Contains(parts[0], Chexpert.Keys);
            Assert.Contains(parts[1], new[] { "positive", "negative" });
            seen.Add(label);
            var labels = Chexpert.Label(text);
            if (parts[1] == "positive") Assert.True(labels.GetValueOrDefault(parts[0]) == 1, $"'{text}' is not positive for {parts[0]}");
            else if (parts[0] != "no-finding") Assert.True(labels.GetValueOrDefault(parts[0], 0) != 1, $"'{text}' is positive for {parts[0]}");
        }
        Assert.Equal(Chexpert.Keys.Count * 2, seen.Count);
    }
}
