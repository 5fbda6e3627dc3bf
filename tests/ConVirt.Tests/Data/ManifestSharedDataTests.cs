using ConVirt.Data.Images;
using ConVirt.Data;
using Xunit;
using SkiaSharp;
using Xunit.Abstractions;

namespace ConVirt.Tests.Data;

/// <summary>Checks against the real data in CONVIRT_SHARED_DATA (default ../shared/data from the repository root); returns early when absent.</summary>
public sealed class ManifestSharedDataTests(ITestOutputHelper output)
{
    private static string? SharedDataFolder()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("CONVIRT_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnvironment))
            return Directory.Exists(fromEnvironment) ? fromEnvironment : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConVirt.slnx")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }

    private string? CovidManifest()
    {
        string? folder = SharedDataFolder();
        string? manifest = folder is null ? null : Path.Combine(folder, "covid-cxr", "manifest.jsonl");
        if (manifest is null || !File.Exists(manifest))
        {
            output.WriteLine("Shared data not found (set CONVIRT_SHARED_DATA or provide ../shared/data); test skipped.");
            return null;
        }
        return manifest;
    }

    [Fact]
    public void CovidManifestLoadsAllRows()
    {
        if (CovidManifest() is not { } manifest)
            return;

        var result = Manifest.Load(manifest);

        Assert.Equal(417, result.Rows.Count);
        Assert.Equal(299, result.Rows.Count(r => r.Text is not null));
        Assert.Empty(result.Issues);
        Assert.Equal(341, result.Rows.Count(r => r.Split == "train"));
        Assert.All(result.Rows, r => Assert.False(string.IsNullOrEmpty(r.Labels["finding"])));
        Assert.Equal("417 rows, 0 skipped, 0 warnings", result.Summary());

        var paired = Manifest.Load(manifest, new ManifestOptions(RequireText: true));
        Assert.Equal(299, paired.Rows.Count);
        Assert.Equal(118, paired.Skipped);
        Assert.All(paired.Issues, i => Assert.Equal("no text", i.Reason));
    }

    [Fact]
    public void CovidFirstImageDecodesAtTheSizeSkiaReports()
    {
        if (CovidManifest() is not { } manifest)
            return;
        string imagePath = Manifest.Load(manifest).Rows[0].ImagePath;
        using var codec = SKCodec.Create(imagePath);

        var image = ImageDecoder.Load(imagePath);

        Assert.Equal((codec.Info.Width, codec.Info.Height), (image.Width, image.Height));
        Assert.Equal(image.Width * image.Height, image.Pixels.Length);
        Assert.All(image.Pixels, p => Assert.InRange(p, 0f, 1f));
        Assert.True(image.Pixels.Max() - image.Pixels.Min() > 0.5f, "a radiograph spans a wide intensity range");
    }
}
