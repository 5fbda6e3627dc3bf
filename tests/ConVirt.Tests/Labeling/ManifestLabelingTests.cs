using System.Text;
using System.Text.Json.Nodes;

namespace ConVirt.Tests.Labeling;

/// <summary>Labeling a manifest: rows kept, labels added under 'labels', bad rows counted and named without their text.</summary>
public sealed class ManifestLabelingTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("convirt-label-manifest-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void JsonLinesRowsGetLabelsOtherFieldsAndLabelsKept()
    {
        string input = Path.Combine(folder, "in.jsonl"), output = Path.Combine(folder, "out.jsonl");
        var lines = new[]
        {
            """{"id": "a", "image": "a.png", "text": "FINDINGS: Small right effusion. No pneumothorax.", "labels": {"split-note": 3, "effusion": 0}}""",
            """{"id": "b", "text": "   "}""",
            """{"id": "c", "text": null}""",
            """{"id": "d", "text": "SECRET-PATIENT-WORDS, "broken""",
            "",
            """[1, 2]""",
            """{"id": "e", "report": "Cannot exclude pneumonia.", "text": "Lungs are clear."}""",
        };
        File.WriteAllText(input, string.Join("\n", lines) + "\n");
        var labeler = ReportLabeler.FromScheme(LabelScheme.ChestXray14);
        var result = labeler.LabelManifest(input, output);

        Assert.Equal(4, result.Rows);
        Assert.Equal(2, result.Labelled);
        Assert.Equal(1, result.EmptyReports);
        Assert.Equal(1, result.MissingText);
        Assert.Equal(2, result.SkippedRows);
        Assert.Equal(2, result.Issues.Count);
        Assert.StartsWith($"{input}: line 4: not valid JSON", result.Issues[0]);
        Assert.StartsWith($"{input}: line 6: not a JSON object", result.Issues[1]);
        Assert.DoesNotContain(result.Issues, i => i.Contains("SECRET", StringComparison.Ordinal));

        var rows = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["a", "b", "c", "e"], rows.Select(r => (string)r["id"]!));
        Assert.Equal("a.png", (string)rows[0]["image"]!);
        Assert.Equal(3, (int)rows[0]["labels"]!["split-note"]!);        // a key of another scheme is kept
        Assert.Equal(1, (int)rows[0]["labels"]!["effusion"]!);          // ours replaces the old value
        Assert.Equal(0, (int)rows[0]["labels"]!["pneumothorax"]!);
        Assert.Null(rows[0]["labels"]!["atelectasis"]);                 // not mentioned: absent
        Assert.Empty(rows[1]["labels"]!.AsObject());                    // whitespace report: all keys absent
        Assert.Null(rows[2]["labels"]);                                 // no text: row unchanged
        Assert.Equal(1, (int)rows[3]["labels"]!["no-finding"]!);

        var effusion = result.Counts.Single(c => c.Key == "effusion");
        Assert.Equal((1L, 0L, 0L, 2L), (effusion.Positive, effusion.Negative, effusion.Uncertain, effusion.Absent));

        // --text-column reads another field
        var byReport = ReportLabeler.FromScheme(LabelScheme.ChestXray14, new ReportLabelerOptions { TextColumn = "report" });
        File.WriteAllText(input, lines[6] + "\n");
        byReport.LabelManifest(input, output);
        Assert.Equal(-1, (int)JsonNode.Parse(File.ReadAllLines(output).Single())!["labels"]!["pneumonia"]!);
    }

    [Fact]
    public void InvalidUtf8IsASkippedRowNotAReplacementCharacter()
    {
        string input = Path.Combine(folder, "bad.jsonl"), output = Path.Combine(folder, "out.jsonl");
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("{\"id\": \"x\", \"text\": \"effusion \""));
        bytes.RemoveAt(bytes.Count - 1);
        bytes.AddRange([0xC3, 0x28, (byte)'"', (byte)'}', (byte)'\n']);
        bytes.AddRange(Encoding.UTF8.GetBytes("{\"id\": \"y\", \"text\": \"effusion\"}\n"));
        File.WriteAllBytes(input, [.. bytes]);
        var result = ReportLabeler.FromScheme(LabelScheme.ChestXray14).LabelManifest(input, output);
        Assert.Equal(1, result.Rows);
        Assert.Equal(1, result.SkippedRows);
        Assert.StartsWith($"{input}: line 1: not valid JSON", result.Issues.Single());
    }

    [Fact]
    public void CsvRowsGetLabelColumns()
    {
        string input = Path.Combine(folder, "in.csv"), output = Path.Combine(folder, "out.csv");
        File.WriteAllText(input, "id,Text,labels.effusion\nr1,\"No effusion. Small pneumothorax, right.\",1\nr2,\"a,b\"c\nr3,,\n");
        var result = ReportLabeler.FromScheme(LabelScheme.ChestXray14).LabelManifest(input, output);
        Assert.Equal(2, result.Rows);
        Assert.Equal(1, result.SkippedRows);
        Assert.StartsWith($"{input}: line 3: malformed CSV record", result.Issues.Single());
        var outLines = File.ReadAllLines(output);
        var header = outLines[0].Split(',');
        Assert.Equal(["id", "Text"], header[..2]);
        Assert.Equal(15, header.Length - 2);
        Assert.Equal("labels.atelectasis", header[2]);
        var r1 = outLines[1];
        Assert.StartsWith("r1,\"No effusion. Small pneumothorax, right.\",", r1);
        var values = r1["r1,\"No effusion. Small pneumothorax, right.\",".Length..].Split(',');
        Assert.Equal("0", values[Array.IndexOf(header, "labels.effusion") - 2]);
        Assert.Equal("1", values[Array.IndexOf(header, "labels.pneumothorax") - 2]);
        Assert.Equal("", values[Array.IndexOf(header, "labels.atelectasis") - 2]);
        Assert.Equal("r3," + new string(',', 15), outLines[2]);
    }

    [Fact]
    public void ACancelledRunLeavesNoOutput()
    {
        string input = Path.Combine(folder, "in.jsonl"), output = Path.Combine(folder, "out.jsonl");
        File.WriteAllLines(input, Enumerable.Range(0, 3000).Select(i => $"{{\"id\": \"{i}\", \"text\": \"effusion\"}}"));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ReportLabeler.FromScheme(LabelScheme.ChestXray14).LabelManifest(input, output, null, cancel.Token));
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(folder, "out.jsonl.tmp*"));
    }
}
