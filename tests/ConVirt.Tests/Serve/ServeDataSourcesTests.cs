using ConVirt.Data.Prepared;
using ConVirt.Data.Images;
using System.Net;
using ConVirt.Data;
using ConVirt.Data.Dicom;
using ConVirt.Data.Synthetic;
using ConVirt.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using SkiaSharp;

namespace ConVirt.Tests.Serve;

/// <summary>The archive as DICOM rows and as a prepared dataset: thumbnails are PNGs of the decoded pixels, never the file.</summary>
[Collection(TorchCollection.Name)]
public sealed class ServeDataSourcesTests
{
    [Fact]
    public async Task DicomRowsAnswerWithAPngAndAPreparedFolderServesItsShards()
    {
        var dir = Pipeline.TinyRuns.TempFolder("serve-sources");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 6, 64, seed: 4);
        // row 0's image as a 16-bit DICOM file in a second manifest with the PNG rows 1..5
        var images = Path.Combine(dir, "data", "images");
        var dcm = Path.Combine(images, "row0.dcm");
        DicomWriter.WriteFile(dcm, DicomWriter.EncodeGray(ImageDecoder.Load(Path.Combine(images, SyntheticDataset.IdOf(0) + ".png")), 16));
        var lines = File.ReadAllLines(manifest);
        var mixed = Path.Combine(dir, "data", "mixed.jsonl");
        File.WriteAllLines(mixed, [lines[0].Replace($"images/{SyntheticDataset.IdOf(0)}.png", "images/row0.dcm", StringComparison.Ordinal), .. lines[1..]]);
        Assert.Contains("row0.dcm", File.ReadAllText(mixed));
        var run = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run")).Folder;

        using (var index = ArchiveLoader.Load(new ServeOptions { Encoder = run, Data = mixed, ImageSize = 64 }))
        await using (var app = ServeApp.Create(index, b => b.WebHost.UseTestServer()))
        {
            await app.StartAsync();
            using var client = app.GetTestClient();
            var bytes = await client.GetByteArrayAsync($"/api/images/{SyntheticDataset.IdOf(0)}");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.DoesNotContain("DICM", System.Text.Encoding.Latin1.GetString(bytes));
            using var bitmap = SKBitmap.Decode(bytes);
            var decoded = ImageDecoder.Load(dcm);
            for (int y = 0; y < 64; y += 9)
                for (int x = 0; x < 64; x += 9)
                    Assert.Equal((byte)Math.Round(255 * decoded[x, y]), bitmap.GetPixel(x, y).Red);
        }

        // the prepared dataset of the PNG manifest: the same rows, images read from the shards
        var (prepared, _) = Prepared.PreparedFixture.Prepare(manifest, 64, 4);
        using (var index = ArchiveLoader.Load(new ServeOptions { Encoder = run, Data = prepared, ImageSize = 64 }))
        await using (var app = ServeApp.Create(index, b => b.WebHost.UseTestServer()))
        {
            Assert.Equal(Path.Combine(run, "serve-cache"), Path.GetDirectoryName(index.CachePath));
            Assert.Equal(Enumerable.Range(0, 6).Select(SyntheticDataset.IdOf), index.Rows.Select(r => r.Id));
            Assert.All(index.Rows, r => Assert.NotNull(r.Shard));
            await app.StartAsync();
            using var client = app.GetTestClient();
            var response = await client.GetAsync($"/api/images/{SyntheticDataset.IdOf(3)}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var bitmap = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
            Assert.True(RowImages.TryLoad(index.Rows[3], out var fromShard, out _));
            Assert.Equal((fromShard.Width, fromShard.Height), (bitmap.Width, bitmap.Height));
            Assert.Equal((byte)Math.Round(255 * fromShard[10, 20]), bitmap.GetPixel(10, 20).Red);
        }
    }
}
