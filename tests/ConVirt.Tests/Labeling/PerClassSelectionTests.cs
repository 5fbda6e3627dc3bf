using System.Text.Json.Nodes;
using ConVirt.Evaluation;

namespace ConVirt.Tests.Labeling;

/// <summary>The k x N evaluation set drawn from labels: exactly one positive among the classes, N per class, seeded.</summary>
[Collection(TorchCollection.Name)]
public sealed class PerClassSelectionTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("convirt-perclass-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void RowsWithExactlyOnePositiveAreDrawnNPerClassWithTheSeed()
    {
        string manifest = Path.Combine(folder, "m.jsonl");
        var lines = new List<string>();
        for (int i = 0; i < 10; i++) lines.Add($$$"""{"id": "a{{{i}}}", "image": "x.png", "labels": {"edema": 1, "atelectasis": 0}}""");
        for (int i = 0; i < 3; i++) lines.Add($$$"""{"id": "b{{{i}}}", "image": "x.png", "labels": {"atelectasis": 1, "edema": -1}}""");
        lines.Add("""{"id": "both", "image": "x.png", "labels": {"atelectasis": 1, "edema": 1}}""");
        lines.Add("""{"id": "none", "image": "x.png", "labels": {"atelectasis": 0}}""");
        lines.Add("""{"id": "other", "image": "x.png", "labels": {"fracture": 1}}""");
        lines.Add("""not json""");
        File.WriteAllLines(manifest, lines);

        var (path, available) = PerClassSelection.Write(manifest, ["edema", "atelectasis"], 3, seed: 1);
        Assert.Equal(Path.Combine(folder, "m.2x3-seed1.jsonl"), path);
        Assert.Equal(10, available["edema"]);
        Assert.Equal(3, available["atelectasis"]);   // -1 on the other class is not a positive; "both" has two
        var rows = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(6, rows.Count);
        Assert.Equal(3, rows.Count(r => (string)r["labels"]!["class"]! == "edema" && ((string)r["id"]!).StartsWith('a')));
        Assert.Equal(["b0", "b1", "b2"], rows.Where(r => (string)r["labels"]!["class"]! == "atelectasis").Select(r => (string)r["id"]!));

        // the same seed draws the same rows; the 10 edema rows allow other draws with other seeds
        var again = File.ReadAllText(PerClassSelection.Write(manifest, ["edema", "atelectasis"], 3, seed: 1).Path);
        Assert.Equal(File.ReadAllText(path), again);
        var draws = Enumerable.Range(0, 8).Select(seed => string.Join(",", File.ReadAllLines(PerClassSelection.Write(manifest, ["edema", "atelectasis"], 3, seed).Path)
            .Select(l => (string)JsonNode.Parse(l)!["id"]!))).Distinct().Count();
        Assert.True(draws > 1);

        var e = Assert.Throws<ArgumentException>(() => PerClassSelection.Write(manifest, ["edema", "atelectasis"], 4, seed: 1));
        Assert.Contains("atelectasis has 3 rows with exactly one positive", e.Message);
        Assert.Throws<ArgumentException>(() => PerClassSelection.Write(manifest, ["edema"], 2, seed: 1));
    }

    [Fact]
    public void TheCliVerbsRefusePerClassWithoutClasses()
    {
        var (code, text) = ConVirt.Tests.Cli.CliRunner.Run("evaluate", "retrieval", "--encoder", "random", "--queries", "q.jsonl", "--candidates", "c.jsonl", "--per-class", "200");
        Assert.NotEqual(0, code);
        Assert.Contains("--per-class needs --classes LIST", text);
        (code, text) = ConVirt.Tests.Cli.CliRunner.Run("evaluate", "zeroshot", "--encoder", "run", "--data", "d.jsonl", "--prompts", "p.jsonl", "--per-class", "200");
        Assert.NotEqual(0, code);
        Assert.Contains("--per-class needs --classes LIST", text);
    }

    [Fact]
    public void RetrievalRunsOnTheKByNSetDrawnFromReportLabels()
    {
        // synthetic X-rays with reports -> convirt label -> evaluate retrieval --per-class on the labels
        var manifest = ConVirt.Data.Synthetic.SyntheticDataset.Write(Path.Combine(folder, "data"), 60, 32, seed: 11);
        string labelled = Path.Combine(folder, "data", "labelled.jsonl");
        var (code, text) = ConVirt.Tests.Cli.CliRunner.Run("label", "--data", manifest, "--scheme", "chexpert", "--out", labelled);
        Assert.True(code == 0, text);
        (code, text) = ConVirt.Tests.Cli.CliRunner.Run("evaluate", "retrieval", "--encoder", "random", "--queries", labelled, "--candidates", labelled,
            "--per-class", "3", "--classes", "pneumothorax,pleural-effusion,cardiomegaly", "--seed", "2", "--ks", "5", "--image-size", "32");
        Assert.True(code == 0, text);
        string subset = Path.Combine(folder, "data", "labelled.3x3-seed2.jsonl");
        Assert.Contains("3 x 3 set (seed 2)", text);
        var rows = File.ReadAllLines(subset).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(9, rows.Count);
        foreach (var row in rows)
        {
            string c = (string)row["labels"]!["class"]!;
            Assert.Equal(1, (int)row["labels"]![c]!);
        }
    }
}
