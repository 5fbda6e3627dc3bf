using ConVirt.Data.Images;
using ConVirt.Cli;
using ConVirt.Data;
using ConVirt.Data.Archive;
using ConVirt.Data.Dicom;
using Spectre.Console;

namespace ConVirt.Tests.Data.Archive;

/// <summary>`convirt manifest` on a folder tree of real DICOM files plus written ones, and a report CSV.</summary>
[Collection(TorchCollection.Name)]
public sealed class ManifestCommandTests
{
    const string Salt = "manifest-test-salt-42";

    [Fact]
    public void AFolderTreeAndAReportTableGiveAManifestTheToolReads()
    {
        if (TestPaths.SharedData is not { } shared) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        var root = Pipeline.TinyRuns.TempFolder("manifest-cli");
        var archive = Path.Combine(root, "archive");
        // real files under study folders (no extension on one: found by content) ...
        var real = new[] { "CR-MONO1-10-chest", "MR_small.dcm", "693_UNCI.dcm" };
        for (int i = 0; i < real.Length; i++)
        {
            var dest = Path.Combine(archive, $"study{i}", i == 0 ? "IM0001" : real[i]);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(shared, "dicom", "files", real[i]), dest);
        }
        // ... and written ones with known identifiers and views
        Directory.CreateDirectory(Path.Combine(archive, "written"));
        var pixels = Enumerable.Range(0, 64 * 64).Select(v => (ushort)(v * 7 % 4096)).ToArray();
        void Write(string rel, string patient, string accession, string view, string sop) => DicomWriter.WriteFile(Path.Combine(archive, rel),
            DicomWriter.Encode(pixels, 64, 64, new DicomWriteOptions(BitsStored: 12, PatientId: patient, AccessionNumber: accession, ViewPosition: view,
                StudyInstanceUid: "1.2.826.0.1." + accession[^1], SopInstanceUid: sop, Modality: "CR")));
        Write("written/a.dcm", "MRN-77", "ACC-7", "PA", "1.2.3.7.1");
        Write("written/b.dcm", "MRN-77", "ACC-7", "LL", "1.2.3.7.2");
        Write("written/c.dcm", "MRN-88", "ACC-8", "AP", "1.2.3.8.1");
        File.WriteAllText(Path.Combine(archive, "notes.txt"), "not an image");

        // reports keyed by each real file's accession number (read with the reader) and the written ones
        var keys = real.Select((_, i) => DicomFile.ReadHeader(Directory.GetFiles(Path.Combine(archive, $"study{i}"))[0]).AccessionNumber?.Trim()).ToList();
        var csvRows = new List<string> { "accession,report" };
        for (int i = 0; i < keys.Count; i++) if (!string.IsNullOrEmpty(keys[i])) csvRows.Add($"{keys[i]},\"Report {i}: lungs clear.\"");
        csvRows.Add("ACC-7,Left lower lobe opacity.");
        csvRows.Add("ACC-8,No acute disease.");
        var csv = Path.Combine(root, "reports.csv");
        File.WriteAllLines(csv, csvRows);
        var output = Path.Combine(root, "manifest.jsonl");

        var (code, text) = Run("manifest", "--dicom", archive, "--reports", csv, "--out", output, "--salt", Salt, "--views", "PA,AP");
        Assert.Equal(0, code);

        var loaded = Manifest.Load(output, new ManifestOptions(RequireText: true));
        var byImage = loaded.Rows.ToDictionary(r => Path.GetRelativePath(root, r.ImagePath).Replace('\\', '/'));
        Assert.Contains("archive/written/a.dcm", byImage.Keys);
        Assert.Contains("archive/written/c.dcm", byImage.Keys);
        Assert.DoesNotContain("archive/written/b.dcm", byImage.Keys);          // lateral view filtered
        Assert.Equal("Left lower lobe opacity.", byImage["archive/written/a.dcm"].Text);
        Assert.Equal(new Pseudonym(Salt).Of("p", "patient", "MRN-77"), byImage["archive/written/a.dcm"].PatientId);
        // every row decodes like any image row
        foreach (var row in loaded.Rows) Assert.True(ImageDecoder.TryLoad(row.ImagePath, out _, out var error), error);
        // the real files: those with an accession number and a wanted (or absent, then filtered) view
        Assert.Contains("looked at 7 files", text);
        Assert.Contains("1 not DICOM", text);
        Assert.Contains("unwanted view", text);
        // nothing from the headers in the output or the messages
        string all = File.ReadAllText(output) + text;
        foreach (var secret in new[] { "MRN-", "ACC-", "1.2.3.7", "1.2.826.0.1." }.Concat(keys.Where(k => !string.IsNullOrEmpty(k))!))
            Assert.DoesNotContain(secret!, all);
    }

    [Fact]
    public void AMissingSaltIsRefused()
    {
        var saved = Environment.GetEnvironmentVariable("CONVIRT_SALT");
        Environment.SetEnvironmentVariable("CONVIRT_SALT", null);
        try
        {
            var root = Pipeline.TinyRuns.TempFolder("manifest-nosalt");
            File.WriteAllText(Path.Combine(root, "r.csv"), "accession,report\n");
            var (code, text) = Run("manifest", "--dicom", root, "--reports", Path.Combine(root, "r.csv"), "--out", Path.Combine(root, "m.jsonl"));
            Assert.NotEqual(0, code);
            Assert.Contains("a salt is required", text);
            Assert.False(File.Exists(Path.Combine(root, "m.jsonl")));
        }
        finally { Environment.SetEnvironmentVariable("CONVIRT_SALT", saved); }
    }

    static (int Code, string Output) Run(params string[] args) => ConVirt.Tests.Cli.CliRunner.Run(args);
}
