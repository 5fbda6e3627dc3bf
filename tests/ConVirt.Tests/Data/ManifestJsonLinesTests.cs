using System.Text;
using ConVirt.Data;
using Xunit;

namespace ConVirt.Tests.Data;

public sealed class ManifestJsonLinesTests : IDisposable
{
    private readonly ManifestTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Good(string id, string split = "train") =>
        $$"""{"id": "{{id}}", "image": "images/{{id}}.png", "text": "report {{id}}", "split": "{{split}}", "patient_id": "p-{{id}}"}""";

    /// <summary>Loads good row a (line 1), <paramref name="badLine"/> (line 2), good row c (line 3).</summary>
    private ManifestLoadResult LoadAround(string badLine, ManifestOptions? options = null)
    {
        _folder.Image("images/a.png");
        _folder.Image("images/c.png");
        return Manifest.Load(_folder.Manifest("manifest.jsonl", Good("a"), badLine, Good("c")), options);
    }

    private static void AssertGoodRowsSurvive(ManifestLoadResult result)
    {
        Assert.Equal(["a", "c"], result.Rows.Select(r => r.Id));
        Assert.Equal([1, 3], result.Rows.Select(r => r.Line));
    }

    [Theory]
    [InlineData("""{"id": "b", "image": """, null, "malformed JSON", "malformed JSON (at character")]
    [InlineData("""[1, 2]""", null, "malformed JSON", "not a JSON object (a array)")]
    [InlineData("""{"image": "images/a.png"}""", "id", "missing id", "missing or empty id")]
    [InlineData("""{"id": "  ", "image": "images/a.png"}""", "id", "missing id", "missing or empty id")]
    [InlineData("""{"id": "b"}""", "image", "missing image", "missing or empty image path")]
    [InlineData("""{"id": "b", "image": ""}""", "image", "missing image", "missing or empty image path")]
    [InlineData("""{"id": "b", "image": "images/a.png", "text": 42}""", "text", "non-string text", "text is not a string (a number)")]
    [InlineData("""{"id": "b", "image": "images/a.png", "text": ["x"]}""", "text", "non-string text", "text is not a string (a array)")]
    [InlineData("""{"id": {"x": 1}, "image": "images/a.png"}""", "id", "bad field type", "id is not a string")]
    [InlineData("""{"id": "a", "image": "images/a.png"}""", "id", "duplicate id", "duplicate id 'a' (first on line 1)")]
    [InlineData("""{"id": "b", "image": "images/nope.png"}""", "image", "file not found", "file not found (images/nope.png)")]
    [InlineData("""{"id": "b", "image": "../elsewhere.png"}""", "image", "file not found", "file not found (../elsewhere.png)")]
    public void BadRowIsSkippedWithLineFieldAndReason(string badLine, string? field, string reason, string messageStart)
    {
        var result = LoadAround(badLine);

        AssertGoodRowsSurvive(result);
        var issue = Assert.Single(result.Issues);
        Assert.Equal(2, issue.Line);
        Assert.Equal(field, issue.Field);
        Assert.Equal(IssueKind.Skipped, issue.Kind);
        Assert.Equal(reason, issue.Reason);
        Assert.StartsWith(messageStart, issue.Message);
        Assert.Equal(1, result.Skipped);
        Assert.Equal(0, result.Warnings);
    }

    [Fact]
    public void ImagesOutsideTheFolderAreReadUnlessConfined()
    {
        // Manifest in data/; one image beside data/, one in a sibling whose name starts like the folder's.
        _folder.Image("outside.png");
        _folder.Image("data-evil/x.png");
        _folder.Image("data/images/a.png");
        string manifest = _folder.Manifest(Path.Combine("data", "manifest.jsonl"),
            """{"id": "a", "image": "images/a.png"}""",
            """{"id": "b", "image": "../outside.png"}""",
            """{"id": "c", "image": "../data-evil/x.png"}""",
            $$"""{"id": "d", "image": "{{Path.Combine(_folder.Root, "outside.png")}}"}""",
            """{"id": "e", "image": "images/../images/a.png"}""");

        // the person running the command chose the manifest: relative paths resolve against its folder, wherever they lead
        var open = Manifest.Load(manifest);
        Assert.Equal(["a", "b", "c", "d", "e"], open.Rows.Select(r => r.Id));
        Assert.Equal(Path.Combine(_folder.Root, "outside.png"), open.Rows[1].ImagePath);
        Assert.Equal(Path.Combine(_folder.Root, "data-evil", "x.png"), open.Rows[2].ImagePath);
        Assert.Equal(Path.Combine(_folder.Root, "outside.png"), open.Rows[3].ImagePath);
        Assert.Empty(open.Issues);

        // confined (where an outsider chooses the paths): only what stays inside the folder
        var result = Manifest.Load(manifest, new ManifestOptions { ConfineToImageRoot = true });
        Assert.Equal(["a", "e"], result.Rows.Select(r => r.Id));
        Assert.Equal(Path.Combine(_folder.Root, "data", "images", "a.png"), result.Rows[1].ImagePath);
        Assert.Equal([2, 3, 4], result.Issues.Select(i => i.Line));
        Assert.Equal("path resolves outside the manifest's folder (../outside.png)", result.Issues[0].Message);
        Assert.All(result.Issues, i => Assert.Equal(("image", IssueKind.Skipped, "outside manifest folder"), (i.Field, i.Kind, i.Reason)));
    }

    [Fact]
    public void ZeroByteImageIsSkipped()
    {
        _folder.Image("images/zero.png", bytes: 0);
        var result = LoadAround("""{"id": "b", "image": "images/zero.png"}""");

        AssertGoodRowsSurvive(result);
        var issue = Assert.Single(result.Issues);
        Assert.Equal((2, "image", IssueKind.Skipped, "empty image file"), (issue.Line, issue.Field, issue.Kind, issue.Reason));
        Assert.Equal("empty file, 0 bytes (images/zero.png)", issue.Message);
    }

    [Theory]
    [InlineData("text", "{\"id\": \"b\", \"image\": \"images/a.png\", \"text\": \"caf\u00ff\"}")]
    [InlineData("labels.finding", "{\"id\": \"b\", \"image\": \"images/a.png\", \"labels\": {\"finding\": \"caf\u00ff\"}}")]
    public void InvalidUtf8IsSkippedNamingTheField(string field, string lineWithMarker)
    {
        // U+00FF stands for a lone 0xFF byte, which is never valid UTF-8.
        _folder.Image("images/a.png");
        _folder.Image("images/c.png");
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(Good("a") + "\n"));
        bytes.AddRange(Encoding.Latin1.GetBytes(lineWithMarker + "\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes(Good("c") + "\n"));

        var result = Manifest.Load(_folder.ManifestBytes("manifest.jsonl", bytes.ToArray()));

        AssertGoodRowsSurvive(result);
        var issue = Assert.Single(result.Issues);
        Assert.Equal((2, field, IssueKind.Skipped, "invalid UTF-8", "not valid UTF-8"), (issue.Line, issue.Field, issue.Kind, issue.Reason, issue.Message));
    }

    [Fact]
    public void UnknownFieldWarnsOncePerNameAndKeepsRows()
    {
        _folder.Image("images/a.png");
        _folder.Image("images/b.png");
        _folder.Image("images/c.png");
        string manifest = _folder.Manifest("manifest.jsonl",
            """{"id": "a", "image": "images/a.png", "view": "PA", "modality": "X-ray", "license": "CC BY 4.0", "source_url": "u", "source_repo": "r", "source_commit": "c", "source_file": "f", "sex": "F", "age": "71"}""",
            """{"id": "b", "image": "images/b.png", "findings_extra": 1, "ward": "A"}""",
            """{"id": "c", "image": "images/c.png", "findings_extra": 2}""");

        var result = Manifest.Load(manifest);

        Assert.Equal(3, result.Rows.Count);
        Assert.Equal(2, result.Warnings);
        Assert.Equal(0, result.Skipped);
        Assert.Equal([(2, "findings_extra"), (2, "ward")], result.Issues.Select(i => (i.Line, i.Field!)));
        Assert.All(result.Issues, i => Assert.Equal((IssueKind.Warning, "unknown field"), (i.Kind, i.Reason)));
    }

    [Fact]
    public void RowFieldsAreResolvedAndConverted()
    {
        _folder.Image("images/a.png");
        _folder.Image("images/b.png");
        string manifest = _folder.Manifest("manifest.jsonl",
            """{"id": "a", "image": "images/a.png", "text": "Left lower lobe opacity.", "split": "val", "patient_id": "p1", "labels": {"finding": "COVID-19", "pneumonia": 1, "normal": 0, "score": 0.5, "whole": 2.0, "flag": true, "plane": null}}""",
            """{"id": 7, "image": "images/b.png", "text": "   ", "patient_id": 12, "labels": {"nested": {"x": 1}, "finding": "No Finding"}}""");

        var result = Manifest.Load(manifest);

        var a = result.Rows[0];
        Assert.Equal(("a", Path.Combine(_folder.Root, "images", "a.png"), "Left lower lobe opacity.", "val", "p1", 1),
            (a.Id, a.ImagePath, a.Text, a.Split, a.PatientId, a.Line));
        Assert.True(Path.IsPathFullyQualified(a.ImagePath));
        Assert.Equal("COVID-19", a.Labels["finding"]);
        Assert.Equal("1", a.Labels["pneumonia"]);
        Assert.Equal("0", a.Labels["normal"]);
        Assert.Equal("0.5", a.Labels["score"]);
        Assert.Equal("2", a.Labels["whole"]);
        Assert.Equal("true", a.Labels["flag"]);
        Assert.True(a.Labels.ContainsKey("plane"));
        Assert.Null(a.Labels["plane"]);

        var b = result.Rows[1];
        Assert.Equal(("7", null, null, "12", 2), (b.Id, b.Text, b.Split, b.PatientId, b.Line));
        Assert.Equal(["finding"], b.Labels.Keys);
        var warning = Assert.Single(result.Issues);
        Assert.Equal((2, "labels.nested", IssueKind.Warning, "bad label"), (warning.Line, warning.Field, warning.Kind, warning.Reason));
    }

    [Fact]
    public void BlankLinesAreIgnoredButCountedAndCrLfAndBomAreAccepted()
    {
        _folder.Image("images/a.png");
        _folder.Image("images/c.png");
        string content = Good("a") + "\r\n\r\n   \r\n" + """{"id": "b", "image": "images/missing.png"}""" + "\r\n" + Good("c") + "\r\n\r\n";
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(content)];

        var result = Manifest.Load(_folder.ManifestBytes("manifest.jsonl", bytes));

        Assert.Equal([("a", 1), ("c", 5)], result.Rows.Select(r => (r.Id, r.Line)));
        Assert.Equal("report c", result.Rows[1].Text);
        var issue = Assert.Single(result.Issues);
        Assert.Equal((4, "image", "file not found"), (issue.Line, issue.Field, issue.Reason));
    }

    [Fact]
    public void RequireTextSkipsImageOnlyRows()
    {
        var result = LoadAround("""{"id": "b", "image": "images/a.png", "text": null}""", new ManifestOptions(RequireText: true));

        AssertGoodRowsSurvive(result);
        var issue = Assert.Single(result.Issues);
        Assert.Equal((2, "text", IssueKind.Skipped, "no text", "no text (image-only row)"), (issue.Line, issue.Field, issue.Kind, issue.Reason, issue.Message));
    }

    [Fact]
    public void ImageOnlyRowsAreKeptWithNullTextByDefault()
    {
        var result = LoadAround("""{"id": "b", "image": "images/a.png", "text": ""}""");

        Assert.Equal(["a", "b", "c"], result.Rows.Select(r => r.Id));
        Assert.Null(result.Rows[1].Text);
        Assert.Empty(result.Issues);
    }

    [Fact]
    public void SplitFilterKeepsOnlyThatSplit()
    {
        _folder.Image("images/a.png");
        _folder.Image("images/b.png");
        _folder.Image("images/c.png");
        string manifest = _folder.Manifest("manifest.jsonl", Good("a", "train"), Good("b", "val"), Good("c", "test"), """{"id": "d", "image": "images/gone.png", "split": "train"}""");

        var result = Manifest.Load(manifest, new ManifestOptions(Split: "val"));

        Assert.Equal(["b"], result.Rows.Select(r => r.Id));
        Assert.Equal(3, result.OutsideSplit);
        Assert.Empty(result.Issues); // d's missing file is not checked: it is not in the split
        Assert.Equal("1 row, 0 skipped, 0 warnings, 3 in other splits", result.Summary());
    }

    [Fact]
    public void CheckImageFilesOffKeepsRowsWithMissingFilesButConfinementStillRefusesEscapes()
    {
        string manifest = _folder.Manifest("manifest.jsonl",
            """{"id": "a", "image": "images/not-yet.png"}""",
            """{"id": "b", "image": "../x.png"}""");

        var result = Manifest.Load(manifest, new ManifestOptions(CheckImageFiles: false) { ConfineToImageRoot = true });

        Assert.Equal(Path.Combine(_folder.Root, "images", "not-yet.png"), Assert.Single(result.Rows).ImagePath);
        Assert.Equal((2, "outside manifest folder"), (result.Issues[0].Line, result.Issues[0].Reason));
    }

    [Fact]
    public void AnImageRootResolvesRelativePathsAndLeavesAbsoluteOnes()
    {
        // manifests in a project folder, the archive on "another disk"
        _folder.Image("archive/cxr/a.png");
        _folder.Image("elsewhere/b.png");
        Directory.CreateDirectory(Path.Combine(_folder.Root, "project"));
        string manifest = _folder.Manifest(Path.Combine("project", "manifest.jsonl"),
            """{"id": "a", "image": "cxr/a.png"}""",
            $$"""{"id": "b", "image": "{{Path.Combine(_folder.Root, "elsewhere", "b.png")}}"}""",
            """{"id": "c", "image": "cxr/missing.png"}""");

        var result = Manifest.Load(manifest, new ManifestOptions { ImageRoot = Path.Combine(_folder.Root, "archive") + Path.DirectorySeparatorChar });

        Assert.Equal([Path.Combine(_folder.Root, "archive", "cxr", "a.png"), Path.Combine(_folder.Root, "elsewhere", "b.png")], result.Rows.Select(r => r.ImagePath));
        var issue = Assert.Single(result.Issues);
        Assert.Equal((3, "image", "file not found (cxr/missing.png)"), (issue.Line, issue.Field, issue.Message));
        // confined to the root: the absolute path elsewhere is refused, named as the image root
        var confined = Manifest.Load(manifest, new ManifestOptions { ImageRoot = Path.Combine(_folder.Root, "archive"), ConfineToImageRoot = true });
        Assert.Equal(["a"], confined.Rows.Select(r => r.Id));
        Assert.StartsWith("path resolves outside the image root (", confined.Issues[0].Message);
    }

    [Fact]
    public void TextOnlyLoadingKeepsRowsWithoutImagesAndReadsNoPath()
    {
        string manifest = _folder.Manifest("manifest.jsonl",
            """{"id": "a", "text": "no image at all"}""",
            """{"id": "b", "image": "/nowhere/x.dcm", "text": "image on a disk that is not mounted"}""",
            """{"id": "c", "image": "", "text": "empty image field"}""",
            """{"id": "a", "text": "duplicate id"}""");

        var result = Manifest.Load(manifest, new ManifestOptions(CheckImageFiles: false) { RequireImage = false });

        Assert.Equal(["a", "b", "c"], result.Rows.Select(r => r.Id));
        Assert.All(result.Rows, r => Assert.Equal("", r.ImagePath));
        Assert.Equal((4, "duplicate id"), (Assert.Single(result.Issues).Line, result.Issues[0].Reason));
        // the default still requires an image
        Assert.Equal(["b"], Manifest.Load(manifest, new ManifestOptions(CheckImageFiles: false)).Rows.Select(r => r.Id));
    }

    [Fact]
    public void IssueMessagesDoNotQuoteReportText()
    {
        var result = LoadAround("""{"id": "b", "image": "images/a.png", "text": "SECRET patient history""");

        Assert.DoesNotContain("SECRET", Assert.Single(result.Issues).ToString());
    }

    [Fact]
    public void SummaryCountsSkipReasonsByFrequency()
    {
        _folder.Image("images/a.png");
        _folder.Image("images/b.png");
        _folder.Image("images/c.png");
        string manifest = _folder.Manifest("manifest.jsonl",
            """{"id": "a", "image": "images/a.png", "text": "t"}""",
            """{"id": "x1", "image": "images/x1.png", "text": "t"}""",
            """{"id": "n1", "image": "images/a.png"}""",
            """{"id": "n2", "image": "images/b.png", "text": " ", "extra": 1}""",
            """{"id": "b", "image": "images/b.png", "text": "t"}""",
            """{"id": "c", "image": "images/c.png", "text": "t"}""");

        var result = Manifest.Load(manifest, new ManifestOptions(RequireText: true));

        Assert.Equal("3 rows, 3 skipped (2 no text, 1 file not found), 1 warning", result.Summary());
        Assert.Equal((3, 1), (result.Skipped, result.Warnings));
    }

    [Fact]
    public void IssueToStringIsCompilerStyle()
    {
        Assert.Equal("manifest.jsonl:12: field 'image': file not found (images/x.png)",
            new ManifestIssue("manifest.jsonl", 12, "image", "file not found (images/x.png)", IssueKind.Skipped, "file not found").ToString());
        Assert.Equal("m.jsonl:3: malformed JSON (at character 9)",
            new ManifestIssue("m.jsonl", 3, null, "malformed JSON (at character 9)", IssueKind.Skipped, "malformed JSON").ToString());
    }

    [Fact]
    public void MissingManifestThrowsNamingTheFile()
    {
        string path = Path.Combine(_folder.Root, "absent.jsonl");

        var e = Assert.Throws<ManifestException>(() => Manifest.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.ManifestPath);
    }

    [Fact]
    public void ManifestWithNoUsableRowThrowsWithIssues()
    {
        string path = _folder.Manifest("manifest.jsonl", """{"id": "a", "image": "images/none.png"}""", "{broken");

        var e = Assert.Throws<ManifestException>(() => Manifest.Load(path));

        Assert.Equal($"{path}: no usable rows (0 rows, 2 skipped (1 file not found, 1 malformed JSON), 0 warnings)", e.Message);
        Assert.Equal([1, 2], e.Issues.Select(i => i.Line));
    }

    [Fact]
    public void SplitThatMatchesNothingThrows()
    {
        _folder.Image("images/a.png");
        string path = _folder.Manifest("manifest.jsonl", Good("a"));

        var e = Assert.Throws<ManifestException>(() => Manifest.Load(path, new ManifestOptions(Split: "tset")));

        Assert.StartsWith($"{path}: no row has split 'tset'", e.Message);
    }

    [Fact]
    public void UnknownExtensionThrows()
    {
        string path = _folder.Manifest("manifest.txt", Good("a"));

        var e = Assert.Throws<ManifestException>(() => Manifest.Load(path));

        Assert.Contains("unknown manifest format '.txt'", e.Message);
    }
}
