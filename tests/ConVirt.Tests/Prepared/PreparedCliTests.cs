using ConVirt.Cli;
using ConVirt.Data.Prepared;
using ConVirt.Evaluation;
using ConVirt.Tests.Pipeline;
using Spectre.Console;

namespace ConVirt.Tests.Prepared;

/// <summary>`convirt prepare`, then the verbs that take data, given the prepared folder.</summary>
[Collection(TorchCollection.Name)]
public sealed class PreparedCliTests
{
    static (int Code, string Output) Run(params string[] args) => ConVirt.Tests.Cli.CliRunner.Run(args);

    [Fact]
    public void PrepareVerifyThenPretrainAndEmbedTakeThePreparedFolder()
    {
        var manifest = PreparedFixture.Synthetic("cli-prep", 30, 40, seed: 2);
        var folder = Path.Combine(TinyRuns.TempFolder("cli-prep-out"), "ds");
        var (code, output) = Run("prepare", "--data", manifest, "--out", folder, "--short-side", "32", "--shard-size", "10", "--threads", "2");
        Assert.True(code == 0, output);
        Assert.Contains("30 rows in", output);
        Assert.Contains("rows/s, ETA", output);
        (code, output) = Run("prepare", "--verify", folder);
        Assert.True(code == 0, output);
        Assert.Contains("every shard verified", output);

        var configFile = Path.Combine(TinyRuns.TempFolder("cli-prep-config"), "tiny.json");
        File.WriteAllText(configFile, TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1).ToJson());
        var run = Path.Combine(TinyRuns.TempFolder("cli-prep-run"), "run");
        (code, output) = Run("pretrain", "--train", folder, "--out", run, "--config", configFile, "--max-steps", "2", "--shuffle-buffer", "8");
        Assert.True(code == 0, output);
        Assert.Contains("prepared dataset, 30 rows", output);
        Assert.Contains("training rows: 24", output);
        Assert.Contains("step-limit: 2 steps", output);

        var file = Path.Combine(TinyRuns.TempFolder("cli-prep-embed"), "e.csv");
        (code, output) = Run("embed", "--encoder", "random", "--data", Path.Combine(folder, PreparedDatasetInfo.FileName), "--out", file, "--split", "test", "--image-size", "32");
        Assert.True(code == 0, output);
        var (ids, h) = EmbedJob.Read(file);
        Assert.Equal(3, ids.Count);                            // 10 % of 30 are test
        Assert.All(ids, id => Assert.StartsWith("synth-", id));

        // a damaged shard fails --verify with the shard named
        var shard = Path.Combine(folder, PrepareJob.ShardName(0));
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..1500]);
        (code, output) = Run("prepare", "--verify", folder);
        Assert.Equal(1, code);
        Assert.Contains(PrepareJob.ShardName(0), output);
    }
}
