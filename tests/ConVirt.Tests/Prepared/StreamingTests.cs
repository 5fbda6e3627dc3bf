using System.Formats.Tar;
using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Prepared;
using ConVirt.Data.Text;
using ConVirt.Evaluation;
using ConVirt.Tests.Pipeline;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Tests.Prepared;

public sealed class StreamOrderTests
{
    [Fact]
    public void EveryRowOnceAPureFunctionOfSeedAndEpochWithinTheBufferBound()
    {
        int[] rows = [7, 7, 3, 7, 5];
        var a = StreamOrder.Create(rows, seed: 4, epoch: 2, shuffle: true, bufferSize: 6);
        Assert.Equal(Enumerable.Range(0, 29), a.Emission.Order());
        Assert.Equal(a.Emission, StreamOrder.Create(rows, 4, 2, true, 6).Emission);
        Assert.NotEqual(a.Emission, StreamOrder.Create(rows, 4, 3, true, 6).Emission);
        Assert.NotEqual(a.Emission, StreamOrder.Create(rows, 5, 2, true, 6).Emission);
        for (int i = 0; i < a.Emission.Length; i++)
        {
            Assert.Equal(i, a.EmissionOf[a.Emission[i]]);
            // the i-th row out was read at most `buffer` rows ahead: at most 6 images wait in memory
            Assert.True(a.StreamPositionOf[a.Emission[i]] <= i + 6, $"emission {i} comes from stream position {a.StreamPositionOf[a.Emission[i]]}");
        }
        // shards are read whole, in a shuffled order
        Assert.Equal(Enumerable.Range(0, 5), a.ShardOrder.Order());
        var plain = StreamOrder.Create(rows, 4, 2, shuffle: false, bufferSize: 6);
        Assert.Equal(Enumerable.Range(0, 29), plain.Emission);
    }
}

[Collection(TorchCollection.Name)]
public sealed class StreamingTests
{
    static readonly Lazy<(string Manifest, string Folder)> data = new(() =>
    {
        var manifest = PreparedFixture.Synthetic("stream-src", 40, 32, seed: 5);
        return (manifest, PreparedFixture.Prepare(manifest, shortSide: 32, shardSize: 6).Folder);
    });

    static StreamingBatchSource Source(string folder, bool shuffle, int buffer = 10, int batch = 8, string? split = "train")
    {
        var ds = PreparedDataset.Open(folder);
        return new StreamingBatchSource(ds, ds.Select(split, requireText: true), WordPieceTokenizer.FromPackaged("minilm"), new PairedSourceOptions
        {
            BatchSize = batch, ImageSize = 32, Seed = 9, Shuffle = shuffle, MaxTokens = 32,
            Augmentation = shuffle ? ConVirtConfig.Paper.Data.Augmentation : null,
        }, buffer);
    }

    [Fact]
    public void ABatchBuiltFirstByAFreshSourceEqualsTheSameBatchOfAnUninterruptedEpoch()
    {
        var (_, folder) = data.Value;
        using var straight = Source(folder, shuffle: true);
        Assert.Equal(32, straight.Rows);               // 80 % of 40 are train
        Assert.Equal(4, straight.BatchCount(1));
        var all = Enumerable.Range(0, 4).Select(i => straight.Build(1, i)).ToList();
        Assert.Equal(Enumerable.Range(0, 32), all.SelectMany(b => b.Rows).Order());    // every row once per epoch
        for (int k = 1; k < 4; k++)
        {
            using var resumed = Source(folder, shuffle: true);
            var b = resumed.Build(1, k);                // what a run resumed at batch k reads first
            Assert.Equal(all[k].Rows, b.Rows);
            Assert.Equal(all[k].Images, b.Images);
            Assert.Equal(all[k].Tokens!.InputIds, b.Tokens!.InputIds);
            if (k + 1 < 4) Assert.Equal(all[k + 1].Images, resumed.Build(1, k + 1).Images);
        }
        // another epoch is another order
        Assert.NotEqual(all[0].Rows, straight.Build(2, 0).Rows);
    }

    [Fact]
    public void EvaluationBatchesEqualTheManifestPathsForTheSameImagesAtTheSameSize()
    {
        var (manifest, folder) = data.Value;
        using var streamed = Source(folder, shuffle: false, batch: 5, split: "test");
        var rows = Manifest.Load(manifest).Rows.Where(r => r.Split == "test").ToList();
        var fromManifest = PairedBatchSource.Create(rows, WordPieceTokenizer.FromPackaged("minilm"), streamed.Options with { MinBatch = 2 });
        Assert.Equal(fromManifest.BatchCount(0), streamed.BatchCount(0));
        for (int i = 0; i < streamed.BatchCount(0); i++)
            Assert.Equal(fromManifest.Build(0, i).Images, streamed.Build(0, i).Images);
    }

    [Fact]
    public void RetrievalAndLinearProbeFiguresOnThePreparedSetEqualTheManifestPath()
    {
        var (manifest, folder) = data.Value;
        RetrievalResult Retrieval(string d) => RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = "random", Queries = d, Candidates = d, Label = "finding", QuerySplit = "train", CandidateSplit = "train", Ks = [1, 5], ImageSize = 32,
        });
        var a = Retrieval(manifest);
        var b = Retrieval(folder);
        Assert.Equal(32, b.Queries.Rows);
        Assert.Equal(a.ImageToImage, b.ImageToImage);
        Assert.Equal(a.SelfExcluded, b.SelfExcluded);

        LabelEfficiencyResult Linear(string d) => LinearEvaluationJob.Run(new LabelEfficiencyOptions
        {
            Encoder = "random", Train = d, Test = d, Label = "finding", TestSplit = "test", Fractions = [0.5, 1], Runs = 2, ImageSize = 32, CacheFeatures = false,
            Probe = new LogisticRegressionProbeOptions(L2Grid: [1], MaxIterations: 60, GradientTolerance: 1e-5),
        });
        var la = Linear(manifest);
        var lb = Linear(folder);
        Assert.Equal(la.Test.Rows, lb.Test.Rows);
        for (int f = 0; f < 2; f++)
        {
            Assert.Equal(la.Fractions[f].TrainCount, lb.Fractions[f].TrainCount);
            Assert.Equal(la.Fractions[f].Auc.Mean, lb.Fractions[f].Auc.Mean, 12);
            Assert.Equal(la.Fractions[f].Accuracy.Mean, lb.Fractions[f].Accuracy.Mean, 12);
        }
    }

    [Fact]
    public void StoppingAndResumingOnShardsGivesTheSameWeightsAsNeverStopping()
    {
        var (_, folder) = data.Value;
        var config = TinyRuns.Config(imageSize: 32, batch: 8, epochs: 2) with { Data = TinyRuns.Config().Data with { ShuffleBuffer = 10 } };
        var inputs = new PretrainingInputs(folder);
        Dictionary<string, float[]> Train(string run, params long[] stops)
        {
            PreparedPretraining? prepared = null;
            foreach (var stop in stops)
            {
                prepared = PretrainingJob.Prepare(config, inputs);
                Assert.IsType<StreamingBatchSource>(prepared.Train);
                new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, run) { MaxSteps = stop }.Run(resume: true);
            }
            return prepared!.Objective.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(torch.ScalarType.Float32).data<float>().ToArray());
        }
        var straight = Train(TinyRuns.TempFolder("sresume-a"), 5);
        var stopped = Train(TinyRuns.TempFolder("sresume-b"), 2, 5);       // stop mid-epoch 0 (4 batches), resume into epoch 1
        int compared = 0;
        foreach (var (key, x) in straight)
        {
            var y = stopped[key];
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5f * Math.Max(1f, Math.Abs(x[i])), $"{key}[{i}]: {x[i]} vs {y[i]}");
            compared++;
        }
        Assert.True(compared > 100);
    }

    [Fact]
    public void AMissingShardStopsBeforeTrainingNamingTheFile()
    {
        var manifest = PreparedFixture.Synthetic("stream-missing", 20, 32);
        var (folder, result) = PreparedFixture.Prepare(manifest, 32, 4);
        var gone = Path.Combine(folder, result.Info.Shards[1].Name);
        File.Delete(gone);
        var e = Assert.Throws<ManifestException>(() => PretrainingJob.Prepare(TinyRuns.Config(), new PretrainingInputs(folder)));
        Assert.Contains(gone, e.Message);
        Assert.Contains("shard missing", e.Message);
        // evaluation too, before any image is read
        e = Assert.Throws<ManifestException>(() => LabelledRows.Load(folder, "train", ["finding"]));
        Assert.Contains(gone, e.Message);
    }

    [Fact]
    public void ACorruptImageIsACountedSkipNamingShardAndKeyAndTheHashMismatchIsReported()
    {
        var manifest = PreparedFixture.Synthetic("stream-corrupt", 12, 32);
        var (folder, result) = PreparedFixture.Prepare(manifest, 32, 6);
        var shard = result.Info.Shards[0];
        var path = Path.Combine(folder, shard.Name);
        var row = PreparedDataset.Open(folder).LoadRows().Rows.First(r => r.Shard!.Key == PrepareJob.Key(2));
        var bytes = File.ReadAllBytes(path);
        for (int i = 60; i < row.Shard!.Length - 12; i++) bytes[row.Shard.Offset + i] ^= 0x5A;   // the image data, not the tar header
        File.WriteAllBytes(path, bytes);

        var messages = new List<string>();
        var ds = PreparedDataset.Open(folder);
        using var source = new StreamingBatchSource(ds, [shard], WordPieceTokenizer.FromPackaged("minilm"),
            new PairedSourceOptions { BatchSize = 6, ImageSize = 32, Shuffle = false, MaxTokens = 32 }, 1) { Issues = new SyncProgress(messages) };
        var batch = source.Build(0, 0);
        Assert.Equal(5, batch.Count);
        Assert.DoesNotContain(2, batch.Rows);
        Assert.Equal(1, source.Skipped);
        Assert.Contains(messages, m => m.StartsWith($"{shard.Name}: key {PrepareJob.Key(2)}: ", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains(shard.Name) && m.Contains("SHA-256 does not match"));
        Assert.Contains(PreparedDataset.Verify(folder), p => p.StartsWith($"{shard.Name}: key {PrepareJob.Key(2)}:", StringComparison.Ordinal));
    }

    [Fact]
    public void ARowWithoutItsPngEntryIsSkippedNamingShardAndKey()
    {
        var manifest = PreparedFixture.Synthetic("stream-nopng", 6, 32);
        var (folder, result) = PreparedFixture.Prepare(manifest, 32, 6);
        var shard = result.Info.Shards[0];
        var path = Path.Combine(folder, shard.Name);
        // rewrite the shard without the .png of the second row, and record it in dataset.json as prepare would
        var entries = new List<(string Name, byte[] Data)>();
        using (var reader = new TarReader(File.OpenRead(path)))
            while (reader.GetNextEntry() is { } e)
            {
                var ms = new MemoryStream();
                e.DataStream?.CopyTo(ms);
                if (e.Name != PrepareJob.Key(1) + ".png") entries.Add((e.Name, ms.ToArray()));
            }
        using (var writer = new TarWriter(File.Create(path), TarEntryFormat.Ustar))
            foreach (var (name, content) in entries)
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        var infoPath = Path.Combine(folder, PreparedDatasetInfo.FileName);
        var info = PreparedDatasetInfo.Read(infoPath);
        (info with { Shards = [shard with { Bytes = new FileInfo(path).Length, Sha256 = ShardWriter.HashFile(path) }] }).Write(infoPath);

        var loaded = PreparedDataset.Open(folder).LoadRows();
        Assert.Equal(5, loaded.Rows.Count);
        Assert.Equal($"{shard.Name}:2: field 'png': key {PrepareJob.Key(1)}: no .png entry", Assert.Single(loaded.Issues).ToString());
        var messages = new List<string>();
        var ds = PreparedDataset.Open(folder);
        using var source = new StreamingBatchSource(ds, ds.Info.Shards, WordPieceTokenizer.FromPackaged("minilm"),
            new PairedSourceOptions { BatchSize = 6, ImageSize = 32, Shuffle = false, MaxTokens = 32 }, 1) { Issues = new SyncProgress(messages) };
        Assert.Equal(5, source.Build(0, 0).Count);
        Assert.Equal($"{shard.Name}: key {PrepareJob.Key(1)}: no .png entry", Assert.Single(messages));
    }

    private sealed class SyncProgress(List<string> into) : IProgress<string>
    {
        public void Report(string value) { lock (into) into.Add(value); }
    }
}
