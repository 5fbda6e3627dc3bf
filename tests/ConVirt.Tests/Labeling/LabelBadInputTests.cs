using ConVirt.Labeling;
using System.Diagnostics;

namespace ConVirt.Tests.Labeling;

/// <summary>Empty and non-text reports, a 10 MB report, and scheme files with errors.</summary>
public sealed class LabelBadInputTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("convirt-label-bad-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static readonly ReportLabeler Cx14 = ReportLabeler.FromScheme(LabelScheme.ChestXray14);

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t\r\n ")]
    [InlineData(". , ; : ...")]
    public void AnEmptyReportHasNoKeys(string report) => Assert.Empty(Cx14.Label(report));

    [Fact]
    public void ControlCharactersAndOtherNonTextSeparateWords()
    {
        Assert.Equal(new Dictionary<string, int> { ["effusion"] = 1 }, Cx14.Label("\0\u0001effusion\u0002\uFFFD\uD800"));
        // random bytes read as Latin-1: no exception, a dictionary with only the scheme's keys
        var random = new Random(7);
        var bytes = new byte[4096];
        random.NextBytes(bytes);
        var labels = Cx14.Label(System.Text.Encoding.Latin1.GetString(bytes));
        Assert.All(labels.Keys, k => Assert.Contains(k, Cx14.Keys));
    }

    [Fact]
    public void ATenMegabyteReportIsLabelledInOnePassWithoutAllocatingPerWord()
    {
        // one 10 MB report: 4 MB of denying sentences, a 3 MB run without any separator, 3 MB of one endless sentence
        string report = string.Concat(Enumerable.Repeat("No pleural effusion is seen. ", 4_000_000 / 29))
            + new string('a', 3_000_000) + " "
            + string.Concat(Enumerable.Repeat("pneumothorax ", 3_000_000 / 13));
        Assert.InRange(report.Length, 9_900_000, 10_100_000);
        Cx14.Label("warm up");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var labels = Cx14.Label(report);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(new Dictionary<string, int> { ["effusion"] = 0, ["pneumothorax"] = 1 }, labels);
        Assert.True(allocated < 64 * 1024, $"labeling a 10 MB report allocated {allocated} bytes; the labeler must not allocate per word or sentence");
    }

    string Scheme(string text)
    {
        string path = Path.Combine(folder, "my.scheme");
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("scheme s\nmention effusion\n", 2, "mention", "before any 'observation'")]
    [InlineData("scheme s\nobservation e\nmention effusion\nfrobnicate x\n", 4, "frobnicate", "unknown directive")]
    [InlineData("scheme s\nobservation e\nwindow-pre many\n", 3, "window-pre", "whole number")]
    [InlineData("scheme s\nobservation e\nwindow-post 65\n", 3, "window-post", "0 to 64")]
    [InlineData("scheme s\nobservation e\nmention * effusion\n", 3, "mention", "between two words")]
    [InlineData("scheme s\nobservation e\nmention effusion *\n", 3, "mention", "between two words")]
    [InlineData("scheme s\nobservation e\nnegation\n", 3, "negation", "at least one word")]
    [InlineData("scheme s\nobservation Bad_Key\n", 2, "observation", "lower-case")]
    [InlineData("scheme s\nobservation e\nobservation e\n", 3, "observation", "defined twice")]
    [InlineData("scheme s\nobservation e hidden loud\n", 2, "observation", "unknown flag")]
    [InlineData("scheme s\nobservation e\nno-finding-ignores f\n", 3, "no-finding-ignores", "not an observation")]
    [InlineData("scheme s\nobservation e\nsection-read find * ings\n", 3, "section-read", "not allowed")]
    [InlineData("scheme s\nobservation e\nmention eff\u0001usion\n", 3, "mention", "control character")]
    [InlineData("scheme s\nobservation e\nuncertain versus\nuncertain-both Versus\n", 4, "uncertain-both", "already defined on line 3")]
    [InlineData("observation e\nmention effusion\n", 0, "scheme", "no 'scheme NAME' line")]
    [InlineData("scheme s\n# nothing else\n", 0, "observation", "no observation")]
    public void ASchemeFileErrorNamesFileLineAndField(string text, int line, string field, string problem)
    {
        string path = Scheme(text);
        var e = Assert.Throws<LabelSchemeException>(() => ReportLabeler.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(line > 0 ? $"{path}: line {line}, field '{field}'" : $"{path}: field '{field}'", e.Message);
    }

    [Fact]
    public void ABinarySchemeFileIsRefusedWithItsName()
    {
        string path = Path.Combine(folder, "binary.scheme");
        File.WriteAllBytes(path, [0xFF, 0xFE, 0x00, 0x80, 0xC3]);
        var e = Assert.Throws<LabelSchemeException>(() => ReportLabeler.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not UTF-8", e.Message);
    }

    [Fact]
    public void AUserSchemeFileDrivesTheEngine()
    {
        // gaps, the window and a hidden observation, in a scheme of our own
        string path = Scheme("""
            scheme tiny
            no-finding normal
            window-pre 2
            observation big-heart
            mention heart * big
            observation other hidden
            mention scar
            negation no
            """);
        var tiny = ReportLabeler.Load(path);
        Assert.Equal("tiny", tiny.SchemeName);
        Assert.Equal(["big-heart", "normal"], tiny.Keys);
        Assert.Equal(new Dictionary<string, int> { ["big-heart"] = 1 }, tiny.Label("The heart is very big."));
        Assert.Equal(new Dictionary<string, int> { ["big-heart"] = 0, ["normal"] = 1 }, tiny.Label("No heart big."));
        // the gap spans at most 3 words
        Assert.Equal(new Dictionary<string, int> { ["normal"] = 1 }, tiny.Label("The heart is not at all big."));
        // window-pre 2: "no" reaches 2 tokens, not 3
        Assert.Equal(new Dictionary<string, int> { ["big-heart"] = 0, ["normal"] = 1 }, tiny.Label("no x y heart big"));
        Assert.Equal(new Dictionary<string, int> { ["big-heart"] = 1 }, tiny.Label("no x y z heart big"));
        // the hidden observation vetoes No Finding and is not written
        Assert.Empty(tiny.Label("A small scar."));
    }
}
