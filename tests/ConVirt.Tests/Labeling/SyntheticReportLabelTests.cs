using ConVirt.Data.Synthetic;

namespace ConVirt.Tests.Labeling;

/// <summary>
/// An independent check: the synthetic report writer (another author's templates) describes known findings; the
/// chexpert scheme must label each report's findings exactly as drawn.
/// </summary>
public sealed class SyntheticReportLabelTests
{
    [Fact]
    public void TheChexpertSchemeRecoversTheDrawnFindingsFromSyntheticReports()
    {
        var labeler = ReportLabeler.FromScheme(LabelScheme.Chexpert);
        var keys = new Dictionary<string, string>
        {
            ["pneumothorax"] = "pneumothorax", ["effusion"] = "pleural-effusion", ["cardiomegaly"] = "cardiomegaly",
            ["opacity"] = "lung-opacity", ["endotracheal_tube"] = "support-devices",
        };
        var disagreements = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            foreach (bool concise in new[] { false, true })
            {
                var c = SyntheticChestXray.Generate(i, 16, seed: 3, conciseReport: concise);
                var truth = c.Findings.Labels();
                var labels = labeler.Label(c.Report);
                foreach (var (synthetic, ours) in keys)
                {
                    if (synthetic == "endotracheal_tube") continue; // support devices also include the central line: checked below
                    bool present = truth[synthetic] == "1";
                    // the synthetic 'opacity' is airspace disease: CheXpert names it lung opacity, consolidation or pneumonia
                    bool labelled = synthetic == "opacity"
                        ? new[] { "lung-opacity", "consolidation", "pneumonia" }.Any(k => labels.GetValueOrDefault(k) == 1)
                        : labels.GetValueOrDefault(ours) == 1;
                    if (present != labelled) disagreements.Add($"case {i} (concise {concise}): {synthetic} drawn {present}, labelled {labels.GetValueOrDefault(ours, 99)}: {c.Report}");
                }
                bool device = truth["endotracheal_tube"] == "1" || truth["central_line"] == "1";
                if (device != (labels.GetValueOrDefault("support-devices") == 1))
                    disagreements.Add($"case {i} (concise {concise}): devices drawn {device}, labelled {labels.GetValueOrDefault("support-devices", 99)}: {c.Report}");
            }
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(10)) + $"\n({disagreements.Count} disagreements)");
    }
}
