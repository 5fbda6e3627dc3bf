using ConVirt.Data.Images;
using ConVirt.Data;
using ConVirt.Data.Dicom;
using ConVirt.Data.Prepared;

namespace ConVirt.Tests.Prepared;

/// <summary>`convirt prepare` on DICOM rows: decoded once with the chosen window, stored at 16 bits, the window part of the dataset's identity.</summary>
public sealed class PrepareDicomTests
{
    [Fact]
    public void DicomRowsAreStoredAsTheirWindowedImageAndTheWindowDefinesTheDataset()
    {
        var dir = Pipeline.TinyRuns.TempFolder("prepare-dicom");
        var stored = Enumerable.Range(0, 48 * 40).Select(i => (ushort)(i * 13 % 4096)).ToArray();
        var rows = new List<string>();
        for (int k = 0; k < 3; k++)
        {
            var name = $"img{k}.dcm";
            // window 1000 +/- 500 clips most of the 12-bit range; min..max does not
            DicomWriter.WriteFile(Path.Combine(dir, name), DicomWriter.Encode(stored.Select(v => (ushort)((v + 300 * k) % 4096)).ToArray(), 48, 40,
                new DicomWriteOptions(BitsStored: 12, WindowCenter: 1000, WindowWidth: 1000)));
            rows.Add($"{{\"id\": \"d{k}\", \"image\": \"{name}\", \"text\": \"No acute disease.\", \"split\": \"train\"}}");
        }
        var manifest = Path.Combine(dir, "m.jsonl");
        File.WriteAllLines(manifest, rows);

        foreach (var window in new[] { "first", "minmax" })
        {
            var outDir = Path.Combine(dir, "prepared-" + window);
            PrepareJob.Run(new PrepareOptions { Manifests = [manifest], Out = outDir, Bits = 16, DicomWindow = window, Threads = 1 });
            var prepared = DataSets.Load(outDir).Rows.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
            Assert.Equal(3, prepared.Count);
            for (int k = 0; k < 3; k++)
            {
                Assert.True(RowImages.TryLoad(prepared[k], out var fromShard, out var error), error);
                var direct = ImageDecoder.Load(Path.Combine(dir, $"img{k}.dcm"), new ImageDecodeOptions { DicomWindow = DicomWindowChoice.Parse(window) });
                Assert.Equal((direct.Width, direct.Height), (fromShard.Width, fromShard.Height));   // 40 px short side: never enlarged
                for (int i = 0; i < direct.Pixels.Length; i++) Assert.Equal(direct.Pixels[i], fromShard.Pixels[i], 1.0 / 65535);
            }
        }
        // the two windows store different images
        var a = RowImages.TryLoad(DataSets.Load(Path.Combine(dir, "prepared-first")).Rows[0], out var first, out _);
        var b = RowImages.TryLoad(DataSets.Load(Path.Combine(dir, "prepared-minmax")).Rows[0], out var minmax, out _);
        Assert.True(a && b);
        Assert.True(first!.Pixels.Zip(minmax!.Pixels).Max(p => Math.Abs(p.First - p.Second)) > 0.2);

        // preparing the same inputs into the same folder with another window is refused, not mixed
        var e = Assert.ThrowsAny<Exception>(() => PrepareJob.Run(new PrepareOptions { Manifests = [manifest], Out = Path.Combine(dir, "prepared-first"), Bits = 16, DicomWindow = "minmax", Threads = 1 }));
        Assert.Contains("already holds a different prepared dataset", e.Message);
        Assert.Contains("DICOM window first", e.Message);
        Assert.Throws<ArgumentException>(() => new PrepareOptions { Manifests = [manifest], Out = dir, DicomWindow = "widest" }.Validate());
    }
}
