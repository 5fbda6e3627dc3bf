using ConVirt.Data;
using ConVirt.Evaluation;

namespace ConVirt.Tests.EvaluationJobs;

/// <summary>Split selection, null labels and the one-line errors of <see cref="LabelledRows"/>.</summary>
public sealed class LabelledRowsTests : IDisposable
{
    readonly string folder = Path.Combine(Path.GetTempPath(), "convirt-labelled-" + Guid.NewGuid().ToString("N")[..8]);

    public LabelledRowsTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, true);

    string Manifest(params string[] lines)
    {
        File.WriteAllBytes(Path.Combine(folder, "a.png"), [1, 2, 3]);
        var path = Path.Combine(folder, "m.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    const string Train1 = """{"id": "1", "image": "a.png", "split": "train", "labels": {"y": "0"}}""";
    const string Train2 = """{"id": "2", "image": "a.png", "split": "train", "labels": {"y": null}}""";
    const string Train3 = """{"id": "3", "image": "a.png", "split": "train", "labels": {}}""";
    const string Val1 = """{"id": "4", "image": "a.png", "split": "val", "labels": {"y": "1"}}""";

    [Fact]
    public void KeepsTheSplitAndCountsNullOrMissingLabels()
    {
        var path = Manifest(Train1, Train2, Train3, Val1);
        var rows = LabelledRows.Load(path, "train", ["y"]);
        Assert.Equal(["1"], rows.Rows.Select(r => r.Id));
        Assert.Equal(2, rows.NullLabelRows);
        Assert.Equal("train", rows.Split);
    }

    [Fact]
    public void UnknownKeyNamesFileAndKey()
    {
        var path = Manifest(Train1, Val1);
        var e = Assert.Throws<ManifestException>(() => LabelledRows.Load(path, "train", ["finding"]));
        Assert.Equal($"{path}: unknown label key 'finding' (keys present: y)", e.Message);
    }

    [Fact]
    public void AllNullLabelsAndMissingSplitAreErrors()
    {
        var path = Manifest(Train2, Train3, Val1);
        var e = Assert.Throws<ManifestException>(() => LabelledRows.Load(path, "train", ["y"]));
        Assert.Equal($"{path}: label 'y' is null or missing in all 2 rows of split 'train'", e.Message);
        var s = Assert.Throws<ManifestException>(() => LabelledRows.Load(path, "test", ["y"]));
        Assert.Equal($"{path}: no row has split 'test' (splits present: train, val)", s.Message);
    }

    [Fact]
    public void EmptyManifestIsAnError()
    {
        var path = Manifest();
        var e = Assert.Throws<ManifestException>(() => LabelledRows.Load(path, "train", ["y"]));
        Assert.Contains(path, e.Message);
        Assert.Contains("no usable rows", e.Message);
    }

    [Fact]
    public void MultiLabelKeysMustBeBinary()
    {
        var path = Manifest("""{"id": "1", "image": "a.png", "labels": {"a": "1", "b": "maybe"}}""");
        var rows = LabelledRows.Load(path, "train", ["a", "b"]);
        Assert.Null(rows.Split); // rows carry no split: all used
        var e = Assert.Throws<ArgumentException>(() => LabelTask.Infer(["a", "b"], rows));
        Assert.Equal($"{path}:1: label 'b' is 'maybe'; a multi-label key needs 0/1 or true/false values", e.Message);
    }

    [Fact]
    public void IgnoredValuesAreCountedAsMissingAndPositiveValuesMakeTheLabelBinary()
    {
        var path = Manifest(
            """{"id": "1", "image": "a.png", "split": "train", "labels": {"finding": "COVID-19", "view": "PA"}}""",
            """{"id": "2", "image": "a.png", "split": "train", "labels": {"finding": "COVID-19, ARDS"}}""",
            """{"id": "3", "image": "a.png", "split": "train", "labels": {"finding": "Streptococcus"}}""",
            """{"id": "4", "image": "a.png", "split": "train", "labels": {"finding": "todo"}}""",
            """{"id": "5", "image": "a.png", "split": "train", "labels": {"finding": " No Finding "}}""");
        var filter = LabelValueFilter.Parse("todo", "COVID-19|COVID-19, ARDS");
        var rows = LabelledRows.Load(path, "train", ["finding"], filter);
        Assert.Equal(["1", "2", "3", "5"], rows.Rows.Select(r => r.Id));
        Assert.Equal(["1", "1", "0", "0"], rows.Rows.Select(r => r.Labels["finding"]));
        Assert.Equal(1, rows.NullLabelRows);
        Assert.Equal("PA", rows.Rows[0].Labels["view"]); // other keys untouched
        var task = LabelTask.Infer(["finding"], rows);
        Assert.Equal(ConVirt.Evaluation.ProbeHeadKind.Binary, task.Kind);
        Assert.Equal(["0", "1"], task.Classes);

        // Ignoring alone keeps the values; ignoring every value leaves nothing, which is the usual one-line error.
        var kept = LabelledRows.Load(path, "train", ["finding"], LabelValueFilter.Parse("todo|Streptococcus", null));
        Assert.Equal(["COVID-19", "COVID-19, ARDS", " No Finding "], kept.Rows.Select(r => r.Labels["finding"]));
        Assert.Equal(2, kept.NullLabelRows);
        var all = LabelValueFilter.Parse("todo|Streptococcus|COVID-19|COVID-19, ARDS|No Finding", null);
        var e = Assert.Throws<ManifestException>(() => LabelledRows.Load(path, "train", ["finding"], all));
        Assert.Equal($"{path}: label 'finding' is null or missing in all 5 rows of split 'train'", e.Message);
    }

    [Fact]
    public void ValueRewritingNeedsASingleKey()
    {
        var path = Manifest(Train1, Val1);
        var e = Assert.Throws<ArgumentException>(() => LabelledRows.Load(path, "train", ["y", "z"], LabelValueFilter.Parse("todo", null)));
        Assert.Contains("single label key", e.Message);
    }
}
