using System.Text;
using ConVirt.Data;
using Xunit;

namespace ConVirt.Tests.Data;

public sealed class ManifestCsvTests : IDisposable
{
    private readonly ManifestTestFolder _folder = new();

    public ManifestCsvTests()
    {
        foreach (var id in new[] { "a", "b", "c", "d" })
            _folder.Image($"images/{id}.png");
    }

    public void Dispose() => _folder.Dispose();

    private const string Header = "id,image,text,split,patient_id,labels.finding,label_pneumonia";

    [Fact]
    public void QuotedFieldsHoldCommasQuotesAndLineBreaks()
    {
        string path = _folder.Manifest("manifest.csv",
            Header,
            "a,images/a.png,\"He said \"\"hi\"\", then",
            "left, right\",train,p1,COVID-19,1",
            "b,images/b.png,,val,,\"No Finding\",0",
            "\"c\",\"images/c.png\",\"plain\",\"test\",\"p3\",\"\",\"\"");

        var result = Manifest.Load(path);

        Assert.Empty(result.Issues);
        Assert.Equal([("a", 2), ("b", 4), ("c", 5)], result.Rows.Select(r => (r.Id, r.Line)));
        var a = result.Rows[0];
        Assert.Equal("He said \"hi\", then\nleft, right", a.Text);
        Assert.Equal(("train", "p1", "COVID-19", "1"), (a.Split, a.PatientId, a.Labels["finding"], a.Labels["pneumonia"]));
        Assert.Equal(Path.Combine(_folder.Root, "images", "a.png"), a.ImagePath);
        var b = result.Rows[1];
        Assert.Equal((null, "val", null, "No Finding", "0"), (b.Text, b.Split, b.PatientId, b.Labels["finding"], b.Labels["pneumonia"]));
        var c = result.Rows[2];
        Assert.Equal("plain", c.Text);
        Assert.Null(c.Labels["finding"]);
    }

    [Fact]
    public void CrLfLineEndsAreStrippedButQuotedOnesKept()
    {
        string content = "id,image,text\r\na,images/a.png,\"one\r\ntwo\"\r\nb,images/b.png,last\r\n";

        var result = Manifest.Load(_folder.ManifestBytes("manifest.csv", Encoding.UTF8.GetBytes(content)));

        Assert.Equal([("a", 2, "one\r\ntwo"), ("b", 4, "last")], result.Rows.Select(r => (r.Id, r.Line, r.Text)));
    }

    [Fact]
    public void WrongFieldCountSkipsTheRecordAtItsLine()
    {
        string path = _folder.Manifest("manifest.csv",
            "id,image,text",
            "a,images/a.png,\"two\nlines\"",
            "b,images/b.png,x,extra",
            "c,images/c.png,ok");

        var result = Manifest.Load(path);

        Assert.Equal(["a", "c"], result.Rows.Select(r => r.Id));
        var issue = Assert.Single(result.Issues);
        Assert.Equal((4, (string?)null, IssueKind.Skipped, "wrong field count", "expected 3 fields, found 4"),
            (issue.Line, issue.Field, issue.Kind, issue.Reason, issue.Message));
    }

    [Fact]
    public void UnterminatedQuoteSkipsTheLastRecord()
    {
        string path = _folder.Manifest("manifest.csv",
            "id,image,text",
            "a,images/a.png,ok",
            "b,images/b.png,\"never closed",
            "c,images/c.png,swallowed");

        var result = Manifest.Load(path);

        Assert.Equal(["a"], result.Rows.Select(r => r.Id));
        var issue = Assert.Single(result.Issues);
        Assert.Equal((3, (string?)null, IssueKind.Skipped, "malformed CSV"), (issue.Line, issue.Field, issue.Kind, issue.Reason));
        Assert.Equal("malformed CSV record (quoted field opened on line 3 is never closed)", issue.Message);
    }

    [Fact]
    public void TextAfterClosingQuoteSkipsOnlyThatRecord()
    {
        string path = _folder.Manifest("manifest.csv",
            "id,image,text",
            "a,images/a.png,\"x\"y",
            "b,images/b.png,ok");

        var result = Manifest.Load(path);

        Assert.Equal([("b", 3)], result.Rows.Select(r => (r.Id, r.Line)));
        Assert.Equal((2, "malformed CSV"), (result.Issues[0].Line, result.Issues[0].Reason));
    }

    [Fact]
    public void InvalidUtf8IsSkippedNamingTheColumn()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("id,image,text,labels.finding\na,images/a.png,fine,x\nb,images/b.png,caf"));
        bytes.Add(0xC3); // a lead byte without its continuation
        bytes.AddRange(Encoding.UTF8.GetBytes(",x\nc,images/c.png,caf\u00e9,y\n"));

        var result = Manifest.Load(_folder.ManifestBytes("manifest.csv", bytes.ToArray()));

        Assert.Equal(["a", "c"], result.Rows.Select(r => r.Id));
        Assert.Equal("caf\u00e9", result.Rows[1].Text);
        var issue = Assert.Single(result.Issues);
        Assert.Equal((3, "text", IssueKind.Skipped, "invalid UTF-8"), (issue.Line, issue.Field, issue.Kind, issue.Reason));
    }

    [Fact]
    public void UnknownColumnsWarnOnceAtTheHeaderAndMetadataIsSilent()
    {
        string path = _folder.Manifest("manifest.csv",
            "ID,Image,view,license,ward,text",
            "a,images/a.png,PA,CC BY,w1,t",
            "b,images/b.png,AP,CC BY,w2,t");

        var result = Manifest.Load(path);

        Assert.Equal(["a", "b"], result.Rows.Select(r => r.Id));
        var warning = Assert.Single(result.Issues);
        Assert.Equal((1, "ward", IssueKind.Warning, "unknown field", "unknown column (ignored)"),
            (warning.Line, warning.Field, warning.Kind, warning.Reason, warning.Message));
    }

    [Fact]
    public void SharedRowRulesApplyWithCsvLineNumbers()
    {
        string path = _folder.Manifest("manifest.csv",
            "id,image,text",
            "a,images/a.png,\"multi",
            "line\"",
            "a,images/b.png,dup",
            ",images/c.png,no id",
            "x,images/missing.png,x",
            "e,../escape.png,x",
            "d,images/d.png,ok");

        var result = Manifest.Load(path);

        Assert.Equal([("a", 2), ("d", 8)], result.Rows.Select(r => (r.Id, r.Line)));
        Assert.Equal(
            [(4, "id", "duplicate id"), (5, "id", "missing id"), (6, "image", "file not found"), (7, "image", "file not found")],
            result.Issues.Select(i => (i.Line, i.Field!, i.Reason)));
    }

    [Fact]
    public void HeaderWithoutImageColumnThrows()
    {
        string path = _folder.Manifest("manifest.csv", "id,picture,text", "a,images/a.png,t");

        var e = Assert.Throws<ManifestException>(() => Manifest.Load(path));

        Assert.Equal($"{path}:1: the CSV header has no 'image' column", e.Message);
    }
}
