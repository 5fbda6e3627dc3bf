using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ConVirt.Data;
using ConVirt.Data.Archive;

namespace ConVirt.Tests.Data.Archive;

/// <summary>The manifest builder's join, filters, pseudonyms and splits, with header facts given directly.</summary>
public sealed class ArchiveManifestBuilderTests
{
    const string Salt = "test-salt-0123456789";

    static string NewFolder(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "convirt-archive-" + name + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public void APseudonymIsTheKeyedHmacAndDependsOnTheSalt()
    {
        var p = new Pseudonym(Salt);
        // independently computed: HMAC-SHA256(salt, "patient\0MRN123"), first 8 bytes in hex
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Salt), Encoding.UTF8.GetBytes("patient\0MRN123")))[..16];
        Assert.Equal("p-" + expected, p.Of("p", "patient", "MRN123"));
        Assert.NotEqual(p.Of("p", "patient", "MRN123"), new Pseudonym(Salt + "x").Of("p", "patient", "MRN123"));
        Assert.NotEqual(p.Of("p", "patient", "X"), p.Of("p", "study", "X"));
        Assert.Throws<ArgumentException>(() => new Pseudonym("short"));
    }

    [Fact]
    public void SplitsFollowTheFractionsAndKeepAPatientTogether()
    {
        var split = new PatientSplit(new Pseudonym(Salt), 0.2, 0.1);
        var counts = Enumerable.Range(0, 20000).Select(i => split.Of("patient-" + i)).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        // binomial standard deviation at n = 20000 is under 0.003: 4 sigma bounds
        Assert.InRange(counts["val"] / 20000.0, 0.188, 0.212);
        Assert.InRange(counts["test"] / 20000.0, 0.09, 0.11);
        Assert.Equal(split.Of("patient-7"), split.Of("patient-7"));
        Assert.Throws<ArgumentException>(() => new PatientSplit(new Pseudonym(Salt), 0.6, 0.5));
    }

    [Fact]
    public void TheReportTableNamesLineAndColumnButNoValue()
    {
        var dir = NewFolder("csv");
        var csv = Path.Combine(dir, "reports.csv");
        File.WriteAllText(csv, "Accession,Report\nACC-1,\"Lungs clear, no effusion.\"\nACC-2,\nACC-1,second\n,orphan\n");
        var table = ReportTable.Load(csv, "accession", "report");
        Assert.Equal(1, table.Count);
        Assert.Equal("Lungs clear, no effusion.", table.Find("ACC-1"));
        Assert.Equal([$"{csv}:3: Report: empty report", $"{csv}:4: Accession: key already given on an earlier line (first kept)", $"{csv}:5: Accession: empty key"], table.Issues);
        Assert.DoesNotContain(table.Issues, i => i.Contains("ACC-") || i.Contains("orphan"));
        var e = Assert.Throws<ManifestException>(() => ReportTable.Load(csv, "study_uid", "report"));
        Assert.Contains("no column 'study_uid'", e.Message);
    }

    [Fact]
    public void TheManifestJoinsFiltersAndPseudonymisesEveryIdentifier()
    {
        var root = NewFolder("tree");
        var archive = Path.Combine(root, "archive");
        // files: facts by name; "junk" is not DICOM, "broken" is unreadable
        var facts = new Dictionary<string, ArchiveFacts>
        {
            ["p1/s1/a.dcm"] = new("MRN-1", "1.2.3.1", "ACC-1", "1.2.9.1", "PA", "CR"),
            ["p1/s1/b.dcm"] = new("MRN-1", "1.2.3.1", "ACC-1", "1.2.9.2", "LL", "CR"),
            ["p1/s2/c"] = new("MRN-1", "1.2.3.2", "ACC-2", "1.2.9.3", "AP", "DX"),
            ["p2/d.dcm"] = new("MRN-2", "1.2.3.3", "ACC-3", "1.2.9.4", "PA", "CR"),
            ["p3/e.dcm"] = new("MRN-3", "1.2.3.4", "ACC-404", "1.2.9.5", "PA", "CR"),
            ["p3/dup.dcm"] = new("MRN-3", "1.2.3.3", "ACC-3", "1.2.9.4", "PA", "CR"),
        };
        foreach (var f in facts.Keys.Append("junk.txt").Append("broken.dcm"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(archive, f))!);
            File.WriteAllText(Path.Combine(archive, f), "x");
        }
        var csv = Path.Combine(root, "reports.csv");
        File.WriteAllText(csv, "accession,report\nACC-1,Small left effusion.\nACC-2,No acute disease.\nACC-3,Right lower lobe pneumonia.\nACC-9,Unused.\n");
        var output = Path.Combine(root, "manifest.jsonl");

        ArchiveFacts? Read(string path)
        {
            var rel = Path.GetRelativePath(archive, path).Replace('\\', '/');
            if (rel == "broken.dcm") throw new InvalidDataException($"{path}: truncated header");
            return facts.GetValueOrDefault(rel);
        }
        var result = ArchiveManifestBuilder.Build(new ArchiveManifestOptions(archive, csv, output, Salt, Views: ["pa", "AP"]), Read);

        var rows = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(3, result.Rows);
        Assert.Equal(["archive/p1/s1/a.dcm", "archive/p1/s2/c", "archive/p2/d.dcm"], rows.Select(r => (string)r["image"]!));
        Assert.Equal(["Small left effusion.", "No acute disease.", "Right lower lobe pneumonia."], rows.Select(r => (string)r["text"]!));
        var p = new Pseudonym(Salt);
        Assert.Equal(p.Of("p", "patient", "MRN-1"), (string)rows[0]["patient_id"]!);
        Assert.Equal(rows[0]["patient_id"]!.ToString(), rows[1]["patient_id"]!.ToString());
        Assert.Equal(rows[0]["split"]!.ToString(), rows[1]["split"]!.ToString());   // one patient, one split
        Assert.Equal(p.Of("i", "image", "1.2.9.1"), (string)rows[0]["id"]!);
        Assert.Equal(p.Of("s", "study", "ACC-2"), (string)rows[1]["study_id"]!);
        Assert.Equal(["PA", "AP", "PA"], rows.Select(r => (string)r["view"]!));
        Assert.Equal("DX", (string)rows[1]["modality"]!);
        // no identifier appears as it is anywhere in the output
        string all = File.ReadAllText(output);
        foreach (var secret in new[] { "MRN-", "ACC-", "1.2.3.", "1.2.9." })
            Assert.DoesNotContain(secret, all);

        Assert.Equal(8, result.FilesSeen);
        Assert.Equal(new Dictionary<string, int> { ["duplicate image"] = 1, ["no report"] = 1, ["not DICOM"] = 1, ["unreadable"] = 1, ["unwanted view"] = 1 },
            result.Skipped.ToDictionary());
        Assert.Contains("p1/s1/b.dcm: View Position LL not in pa,AP", result.Examples);
        Assert.Contains(result.Examples, e => e.StartsWith("broken.dcm: ") && e.Contains("truncated header"));
        Assert.DoesNotContain(result.Examples, e => e.Contains("ACC-") || e.Contains("MRN-"));
        Assert.Equal(1, result.ReportsUnused);
        Assert.Equal(3, result.PerSplit.Values.Sum());
        Assert.Equal(2, result.Patients);

        // the manifest is one the rest of the tool reads (relative paths resolve to the files)
        var loaded = Manifest.Load(output, new ManifestOptions(RequireText: true));
        Assert.Equal(3, loaded.Rows.Count);

        // a manifest in a folder beside the archive names its images with ../ and reaches the same files
        var elsewhere = Path.Combine(root, "elsewhere", "m.jsonl");
        ArchiveManifestBuilder.Build(new ArchiveManifestOptions(archive, csv, elsewhere, Salt, Views: ["pa", "AP"]), Read);
        Assert.Equal(["../archive/p1/s1/a.dcm", "../archive/p1/s2/c", "../archive/p2/d.dcm"],
            File.ReadAllLines(elsewhere).Select(l => (string)JsonNode.Parse(l)!["image"]!));
        Assert.Equal(loaded.Rows.Select(r => r.ImagePath), Manifest.Load(elsewhere, new ManifestOptions(RequireText: true)).Rows.Select(r => r.ImagePath));
    }
}
