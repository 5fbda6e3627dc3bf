using System.Text.Json.Nodes;
using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Labeling;

/// <summary>`convirt manifest --label chexpert`: the manifest built from DICOM + report table carries the report labels.</summary>
[Collection(TorchCollection.Name)]
public sealed class ManifestCommandLabelTests
{
    [Fact]
    public void ManifestWithLabelWritesLabelsForEachRow()
    {
        var root = Pipeline.TinyRuns.TempFolder("manifest-label");
        var archive = Path.Combine(root, "archive");
        Directory.CreateDirectory(archive);
        var pixels = Enumerable.Range(0, 32 * 32).Select(v => (ushort)(v * 5 % 4096)).ToArray();
        void Write(string name, string patient, string accession) => DicomWriter.WriteFile(Path.Combine(archive, name),
            DicomWriter.Encode(pixels, 32, 32, new DicomWriteOptions(BitsStored: 12, PatientId: patient, AccessionNumber: accession, ViewPosition: "PA",
                StudyInstanceUid: "1.2.826.0.9." + accession[^1], SopInstanceUid: "1.2.3.9." + accession[^1], Modality: "CR")));
        Write("a.dcm", "MRN-1", "ACC-1");
        Write("b.dcm", "MRN-2", "ACC-2");
        Write("c.dcm", "MRN-3", "ACC-3");
        var csv = Path.Combine(root, "reports.csv");
        File.WriteAllLines(csv, ["accession,report", "ACC-1,\"FINDINGS: Left lower lobe opacity. No pneumothorax.\"", "ACC-2,No acute disease.", "ACC-3,\"Endotracheal tube in place. Possible small effusion.\""]);
        var output = Path.Combine(root, "manifest.jsonl");

        var (code, text) = ConVirt.Tests.Cli.CliRunner.Run("manifest", "--dicom", archive, "--reports", csv, "--out", output, "--salt", "s3cret-salt-for-tests", "--label", "chexpert");
        Assert.True(code == 0, text);
        Assert.Contains("labelled 3 reports with the chexpert scheme", text);
        var rows = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToDictionary(r => (string)r["text"]!);
        Assert.Equal(3, rows.Count);
        var a = rows["FINDINGS: Left lower lobe opacity. No pneumothorax."]["labels"]!.AsObject();
        Assert.Equal(["lung-opacity", "pneumothorax"], a.Select(kv => kv.Key).Order());
        Assert.Equal(1, (int)a["lung-opacity"]!);
        Assert.Equal(0, (int)a["pneumothorax"]!);
        Assert.Equal(1, (int)rows["No acute disease."]["labels"]!["no-finding"]!);
        var c = rows["Endotracheal tube in place. Possible small effusion."]["labels"]!.AsObject();
        Assert.Equal(1, (int)c["support-devices"]!);
        Assert.Equal(-1, (int)c["pleural-effusion"]!);
        Assert.Null(c["no-finding"]);
        Assert.Empty(Directory.GetFiles(root, "*.tmp*"));
    }
}
