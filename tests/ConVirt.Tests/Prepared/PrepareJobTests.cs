using ConVirt.Data.Images;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ConVirt.Data;
using ConVirt.Data.Prepared;
using ConVirt.Tests.Pipeline;

namespace ConVirt.Tests.Prepared;

public sealed class AreaResizeTests
{
    [Fact]
    public void BlocksAreAveragedAndFractionalCoverageIsWeighted()
    {
        // 4x4 -> 2x2: means of the 2x2 blocks
        var image = new GrayImage(4, 4, Enumerable.Range(0, 16).Select(i => (float)i).ToArray());
        var half = AreaResize.Resize(image, 2, 2);
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], half.Pixels);
        // 3 -> 2 columns: [0, 3, 6] -> (0 + 3/2) / 1.5 = 1 and (3/2 + 6) / 1.5 = 5
        var row = AreaResize.Resize(new GrayImage(3, 1, [0f, 3f, 6f]), 2, 1);
        Assert.Equal(1f, row.Pixels[0], 5);
        Assert.Equal(5f, row.Pixels[1], 5);
    }

    [Fact]
    public void ShortSideTargetAndNeverEnlarging()
    {
        Assert.Equal((256, 341), AreaResize.TargetSize(768, 1024, 256));     // 1024 * 256/768 = 341.3
        Assert.Equal((400, 256), AreaResize.TargetSize(1000, 640, 256));      // 1000 * 0.4
        var small = new GrayImage(100, 80, new float[8000]);
        Assert.Same(small, AreaResize.ToShortSide(small, 256));
        Assert.Same(small, AreaResize.ToShortSide(small, 80));
    }
}

public sealed class ShardImageCodecTests
{
    [Fact]
    public void SixteenBitPngKeepsEverySampleAndTheProjectsDecoderAgrees()
    {
        var values = new float[37 * 5];
        for (int i = 0; i < values.Length; i++) values[i] = (i * 1777 % 65536) / 65535f;
        var image = new GrayImage(37, 5, values);
        var png = ShardImageCodec.Encode(image, 16);
        Assert.True(ShardImageCodec.TryDecode(png, out var back, out var error), error);
        Assert.Equal(values, back.Pixels);
        // the file decoder of the manifest path reads it the same way (16-bit gray at full precision)
        var file = Path.Combine(TinyRuns.TempFolder("png16"), "a.png");
        File.WriteAllBytes(file, png);
        Assert.Equal(values, ImageDecoder.Load(file).Pixels);
    }

    [Fact]
    public void EightBitPngRoundsToTheNearestLevel()
    {
        var image = new GrayImage(3, 1, [0f, 0.5f, 1f]);
        Assert.True(ShardImageCodec.TryDecode(ShardImageCodec.Encode(image, 8), out var back, out _));
        Assert.Equal([0f, 128 / 255f, 1f], back.Pixels);     // round(127.5) = 128
    }

    [Fact]
    public void CorruptBytesAreAReasonNotACrash()
    {
        var png = ShardImageCodec.Encode(new GrayImage(16, 16, new float[256]), 8);
        Assert.False(ShardImageCodec.TryDecode(png[..40], out _, out var error));
        Assert.Contains("PNG", error);
        Assert.False(ShardImageCodec.TryDecode([1, 2, 3, 4], out _, out error));
        Assert.Contains("not a decodable PNG", error);
    }
}

[Collection(TorchCollection.Name)]
public sealed class PrepareJobTests
{
    [Fact]
    public void ShardsHoldEveryRowResizedWithTextAndMetadataAndDatasetJsonDescribesThem()
    {
        var manifest = PreparedFixture.Synthetic("prep-src", 23, 48);
        var (folder, result) = PreparedFixture.Prepare(manifest, shortSide: 32, shardSize: 7);
        var info = result.Info;
        var source = Manifest.Load(manifest).Rows;
        Assert.True(info.Complete);
        Assert.Equal(23, info.Rows);
        // counts per split as in the manifest; shards hold one split each, at most 7 rows
        foreach (var g in source.GroupBy(r => r.Split!)) Assert.Equal(g.Count(), info.Counts[g.Key]);
        Assert.All(info.Shards, s => Assert.InRange(s.Rows, 1, 7));
        Assert.Equal(Enumerable.Range(0, info.Shards.Count).Select(PrepareJob.ShardName), info.Shards.Select(s => s.Name));
        foreach (var shard in info.Shards)
        {
            var file = Path.Combine(folder, shard.Name);
            Assert.Equal(shard.Bytes, new FileInfo(file).Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), shard.Sha256);
        }
        Assert.Equal([".lock", ".lock.owner"], Directory.GetFiles(folder, ".*").Select(Path.GetFileName).Order());   // no temporary file left, only the writer's lock

        // every row: the image is the source area-averaged to 32 px and rounded to 8 bits; text and metadata as in the manifest
        var byId = source.ToDictionary(r => r.Id);
        var rows = PreparedDataset.Open(folder).LoadRows().Rows;
        Assert.Equal(23, rows.Count);
        int key = 0;
        foreach (var row in rows)
        {
            var original = byId[row.Id];
            Assert.Equal(PrepareJob.Key(key++), row.Shard!.Key);
            Assert.Equal(original.Text, row.Text);
            Assert.Equal(original.Split, row.Split);
            Assert.Equal(original.PatientId, row.PatientId);
            Assert.Equal(original.Labels.OrderBy(kv => kv.Key), row.Labels.OrderBy(kv => kv.Key));
            Assert.True(RowImages.TryLoad(row, out var image, out var error), error);
            var expected = AreaResize.ToShortSide(ImageDecoder.Load(original.ImagePath), 32);
            Assert.Equal(32, image.Width);
            Assert.Equal(32, image.Height);
            for (int i = 0; i < image.Pixels.Length; i++)
                Assert.Equal(MathF.Round(expected.Pixels[i] * 255f) / 255f, image.Pixels[i], 6);
        }
        Assert.Empty(PreparedDataset.Verify(folder));
    }

    [Fact]
    public void PythonTarfileReadsAShardWithTheSameKeysBytesAndText()
    {
        if (PreparedFixture.Python() is not { } python) return;
        var manifest = PreparedFixture.Synthetic("prep-py", 12, 40);
        var (folder, _) = PreparedFixture.Prepare(manifest, shortSide: 32, shardSize: 5);
        var shard = Path.Combine(folder, PrepareJob.ShardName(0));
        const string script = """
            import hashlib, json, sys, tarfile
            out = []
            with tarfile.open(sys.argv[1]) as t:
                for m in t.getmembers():
                    data = t.extractfile(m).read()
                    key, ext = m.name.split('.', 1)
                    item = {'key': key, 'ext': ext, 'size': m.size, 'sha256': hashlib.sha256(data).hexdigest(), 'type': m.type.decode()}
                    if ext in ('txt', 'json'): item['text'] = data.decode('utf-8')
                    if ext == 'png': item['signature'] = data[:8].hex()
                    out.append(item)
            print(json.dumps(out))
            """;
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(shard);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr);
        var entries = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();

        // our reader: same keys in the same order, same image bytes
        var ours = new List<ShardSample>();
        using (var reader = new ShardReader(shard, readImages: true)) while (reader.Next() is { } s) ours.Add(s);
        Assert.Equal(5, ours.Count);
        Assert.Equal(ours.Select(s => s.Key), entries.Select(e => e.GetProperty("key").GetString()).Distinct());
        Assert.All(entries, e => Assert.Equal("0", e.GetProperty("type").GetString()));      // regular files
        var source = Manifest.Load(manifest).Rows.ToDictionary(r => r.Id);
        foreach (var sample in ours)
        {
            var mine = entries.Where(e => e.GetProperty("key").GetString() == sample.Key).ToDictionary(e => e.GetProperty("ext").GetString()!);
            Assert.Equal(["json", "png", "txt"], mine.Keys.Order());
            Assert.Equal(sample.Png!.Length, mine["png"].GetProperty("size").GetInt32());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(sample.Png)), mine["png"].GetProperty("sha256").GetString());
            Assert.Equal("89504e470d0a1a0a", mine["png"].GetProperty("signature").GetString());
            using var json = JsonDocument.Parse(mine["json"].GetProperty("text").GetString()!);
            var row = source[json.RootElement.GetProperty("id").GetString()!];
            Assert.Equal(row.Text, mine["txt"].GetProperty("text").GetString());
            Assert.Equal(row.PatientId, json.RootElement.GetProperty("patient_id").GetString());
            Assert.Equal(row.Labels["finding"], json.RootElement.GetProperty("labels").GetProperty("finding").GetString());
        }
    }

    [Fact]
    public void ARerunKeepsIntactShardsRewritesDamagedOnesAndAnotherDatasetIsRefused()
    {
        var manifest = PreparedFixture.Synthetic("prep-rerun", 20, 40);
        var (folder, first) = PreparedFixture.Prepare(manifest, shortSide: 32, shardSize: 4);
        var hashes = first.Info.Shards.Select(s => s.Sha256).ToList();
        Assert.Equal(first.Info.Shards.Count, first.WrittenShards);

        var again = PreparedFixture.Prepare(manifest, 32, 4, folder: folder).Result;
        Assert.Equal(first.Info.Shards.Count, again.KeptShards);
        Assert.Equal(0, again.WrittenShards);

        // a damaged shard (one byte changed, same size) and everything after it are written again, identically
        var third = Path.Combine(folder, PrepareJob.ShardName(2));
        var bytes = File.ReadAllBytes(third);
        bytes[700] ^= 0xFF;
        File.WriteAllBytes(third, bytes);
        Assert.Contains(PreparedDataset.Verify(folder), p => p.StartsWith(PrepareJob.ShardName(2), StringComparison.Ordinal));
        var repaired = PreparedFixture.Prepare(manifest, 32, 4, folder: folder).Result;
        Assert.Equal(2, repaired.KeptShards);
        Assert.Equal(hashes, repaired.Info.Shards.Select(s => s.Sha256));
        Assert.Empty(PreparedDataset.Verify(folder));

        // other options into the same folder: refused, nothing touched
        var e = Assert.Throws<PreparedDatasetException>(() => PreparedFixture.Prepare(manifest, 24, 4, folder: folder));
        Assert.Contains("different prepared dataset", e.Message);
        Assert.Equal(hashes, PreparedDatasetInfo.Read(Path.Combine(folder, PreparedDatasetInfo.FileName)).Shards.Select(s => s.Sha256));
        // a folder with other files and no dataset.json: refused
        var other = TinyRuns.TempFolder("prep-other");
        File.WriteAllText(Path.Combine(other, "notes.txt"), "x");
        e = Assert.Throws<PreparedDatasetException>(() => PreparedFixture.Prepare(manifest, 32, 4, folder: other));
        Assert.Contains("holds no dataset.json", e.Message);
    }

    [Fact]
    public void SkippedRowsAreListedWithFileLineFieldAndReasonNeverText()
    {
        var manifest = PreparedFixture.Synthetic("prep-bad", 10, 32);
        var dir = Path.GetDirectoryName(manifest)!;
        File.WriteAllText(Path.Combine(dir, "images", "broken.png"), "not a png");
        var lines = File.ReadAllLines(manifest).ToList();
        lines.Add("""{"id": "bad-1", "image": "images/broken.png", "text": "Secret report text.", "split": "train"}""");
        lines.Add("""{"id": "bad-2", "image": "images/missing.png", "text": "Secret report text.", "split": "train"}""");
        lines.Add("""{"id": "bad-3", "image": "images/synth-000000.png", "text": "...", "split": "train"}""");
        File.WriteAllLines(manifest, lines);
        var (folder, result) = PreparedFixture.Prepare(manifest, 32, 4);
        var info = result.Info;
        Assert.Equal(11, info.Rows);                     // 10 good + bad-3 kept without text
        Assert.Equal(2, info.Skipped.Count);
        Assert.Contains(info.Skipped, s => s.StartsWith("manifest.jsonl:11: field 'image':", StringComparison.Ordinal) && s.Contains("not a decodable image"));
        Assert.Contains(info.Skipped, s => s.StartsWith("manifest.jsonl:12: field 'image':", StringComparison.Ordinal) && s.Contains("file not found"));
        Assert.Contains(info.Warnings, w => w.StartsWith("manifest.jsonl:13: field 'text': no sentence", StringComparison.Ordinal));
        Assert.DoesNotContain("Secret", File.ReadAllText(Path.Combine(folder, PreparedDatasetInfo.FileName)));
        Assert.Contains(info.Shards, s => !s.Text && s.Rows == 1);      // the image-only row has a shard of its own group
    }

    [Fact]
    public void KilledWithSigkillAndRunAgainItFinishesWithTheShardsOfAnUninterruptedRun()
    {
        // 40 rows of 1024 x 768 noise: about 25 ms each to decode and resize on one thread, so the run lasts about a second
        var manifest = PreparedFixture.Pooled("prep-kill", 40, 3, 1024, 768);
        var cli = Path.Combine(AppContext.BaseDirectory, "convirt.dll");
        var folder = Path.Combine(TinyRuns.TempFolder("prep-kill-out"), "ds");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "prepare", "--data", manifest, "--out", folder, "--short-side", "32", "--shard-size", "4", "--threads", "1" }) start.ArgumentList.Add(a);
        using (var process = Process.Start(start)!)
        {
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var watch = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(folder, PrepareJob.ShardName(1))) && !process.HasExited && watch.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(10);
            Assert.False(process.HasExited, "prepare finished (or failed) before it could be killed");
            process.Kill();                                  // SIGKILL on Linux
            process.WaitForExit();
        }
        var partial = PreparedDatasetInfo.Read(Path.Combine(folder, PreparedDatasetInfo.FileName));
        Assert.False(partial.Complete);
        Assert.InRange(partial.Shards.Count, 1, 9);

        var resumed = PreparedFixture.Prepare(manifest, 32, 4, folder: folder).Result;
        Assert.True(resumed.KeptShards >= 1);
        var clean = PreparedFixture.Prepare(manifest, 32, 4).Result;
        Assert.Equal(clean.Info.Shards.Select(s => (s.Name, s.Rows, s.Sha256)), resumed.Info.Shards.Select(s => (s.Name, s.Rows, s.Sha256)));
        Assert.Equal(10, resumed.Info.Shards.Count);
        Assert.Equal([".lock", ".lock.owner"], Directory.GetFiles(folder, ".*").Select(Path.GetFileName).Order());
    }
}
