using ConVirt.Data.Images;
using System.Diagnostics;
using ConVirt.Data;
using Xunit;

namespace ConVirt.Tests.Data;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "convirt-image-" + Guid.NewGuid().ToString("N"));

    public ImageDecoderTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Gray16PngKeepsFullPrecisionThroughEveryFilterType()
    {
        // 7 x 5, rows filtered None, Sub, Up, Average, Paeth; values spread over the 16-bit range.
        const int W = 7, H = 5;
        var samples = new ushort[W * H];
        for (int i = 0; i < samples.Length; i++)
            samples[i] = (ushort)((i * 40503 + 1000) % 65536);
        samples[0] = 0;
        samples[1] = 65535;
        samples[2] = 1000; // 8 bits would give 3/255 or 4/255, off by more than 3e-4
        string path = Write("g16.png", ImageFixtures.Png16(W, H, 0, samples, filterOfRow: y => y % 5));

        var image = ImageDecoder.Load(path);

        Assert.Equal((W, H), (image.Width, image.Height));
        for (int i = 0; i < samples.Length; i++)
        {
            Assert.InRange(image.Pixels[i], samples[i] / 65535f - 1f / 255, samples[i] / 65535f + 1f / 255);
            Assert.Equal(samples[i] / 65535f, image.Pixels[i], 1e-6f);
        }
    }

    [Fact]
    public void Rgb16PngIsLuminanceWithinHalfFloatPrecision()
    {
        ushort[] samples = [65535, 0, 0, 0, 65535, 0, 1000, 30000, 50000, 65535, 65535, 65535];
        string path = Write("rgb16.png", ImageFixtures.Png16(4, 1, 2, samples));

        var image = ImageDecoder.Load(path);

        float[] expected = [0.299f, 0.587f, (0.299f * 1000 + 0.587f * 30000 + 0.114f * 50000) / 65535f, 1f];
        for (int i = 0; i < 4; i++)
            Assert.Equal(expected[i], image.Pixels[i], 1e-3f);
    }

    [Fact]
    public void Gray8PngIsValueOver255()
    {
        string path = Write("g8.png", ImageFixtures.Png8(4, 2, 0, [0, 1, 128, 255, 10, 20, 30, 40]));

        var image = ImageDecoder.Load(path);

        Assert.Equal((4, 2), (image.Width, image.Height));
        Assert.Equal([0f, 1 / 255f, 128 / 255f, 1f, 10 / 255f, 20 / 255f, 30 / 255f, 40 / 255f], image.Pixels, (a, b) => Math.Abs(a - b) < 1e-6f);
        Assert.Equal(30 / 255f, image[2, 1], 1e-6f);
    }

    [Fact]
    public void RgbBecomesBt601Luminance()
    {
        string path = Write("rgb.png", ImageFixtures.Png8(2, 1, 2, [10, 200, 30, 255, 0, 0]));

        var image = ImageDecoder.Load(path);

        Assert.Equal((0.299f * 10 + 0.587f * 200 + 0.114f * 30) / 255f, image.Pixels[0], 1e-5f);
        Assert.Equal(0.299f, image.Pixels[1], 1e-5f);
    }

    [Fact]
    public void RgbaIsCompositedOverBlack()
    {
        byte[] rgba =
        [
            255, 0, 0, 255,     // opaque red -> 0.299
            0, 255, 0, 128,     // half-transparent green -> 0.587 * 128/255
            0, 0, 255, 0,       // fully transparent blue -> 0 (black)
            255, 255, 255, 64,  // quarter-opaque white -> 64/255
        ];
        string path = Write("rgba.png", ImageFixtures.Png8(4, 1, 6, rgba));

        var image = ImageDecoder.Load(path);

        Assert.Equal(0.299f, image.Pixels[0], 1e-5f);
        Assert.Equal(0.587f * 128 / 255f, image.Pixels[1], 1e-5f);
        Assert.Equal(0f, image.Pixels[2], 1e-6f);
        Assert.Equal(64 / 255f, image.Pixels[3], 1e-5f);
    }

    [Fact]
    public void GrayAlphaIsCompositedOverBlack()
    {
        string path = Write("ga.png", ImageFixtures.Png8(2, 1, 4, [200, 255, 200, 51]));

        var image = ImageDecoder.Load(path);

        Assert.Equal(200 / 255f, image.Pixels[0], 1e-5f);
        Assert.Equal(200 / 255f * 51 / 255f, image.Pixels[1], 1e-5f);
    }

    [Fact]
    public void OnePixelImageDecodes()
    {
        string path = Write("one.png", ImageFixtures.Png8(1, 1, 0, [77]));

        var image = ImageDecoder.Load(path);

        Assert.Equal((1, 1), (image.Width, image.Height));
        Assert.Equal(77 / 255f, Assert.Single(image.Pixels), 1e-6f);
    }

    [Fact]
    public void ExifOrientationSixRotatesClockwise()
    {
        // 32 x 16, black with a white 8 x 8 block at the stored top-left (JPEG block aligned, so nearly exact).
        byte[] jpeg = ImageFixtures.GrayJpeg(32, 16, (x, y) => x < 8 && y < 8 ? (byte)255 : (byte)0);
        string path = Write("exif6.jpg", ImageFixtures.WithExifOrientation(jpeg, 6));

        var image = ImageDecoder.Load(path);

        // Rotated 90 degrees clockwise: 16 wide, 32 tall, the block now at the top-right.
        Assert.Equal((16, 32), (image.Width, image.Height));
        Assert.InRange(image[12, 4], 0.9f, 1f);
        Assert.InRange(image[4, 4], 0f, 0.1f);
        Assert.InRange(image[12, 28], 0f, 0.1f);
    }

    [Fact]
    public void JpegWithoutExifIsNotRotated()
    {
        string path = Write("plain.jpg", ImageFixtures.GrayJpeg(32, 16, (x, y) => x < 8 && y < 8 ? (byte)255 : (byte)0));

        var image = ImageDecoder.Load(path);

        Assert.Equal((32, 16), (image.Width, image.Height));
        Assert.InRange(image[4, 4], 0.9f, 1f);
    }

    [Theory]
    [InlineData(null, 512, 256)]
    [InlineData(64, 128, 64)]   // 2/8 is the smallest scale with short side >= 64
    [InlineData(65, 192, 96)]   // 3/8
    [InlineData(256, 512, 256)] // already at the target
    public void JpegDecodesAtTheSmallestScaleCoveringTheTarget(int? target, int width, int height)
    {
        string path = Write("big.jpg", ImageFixtures.GrayJpeg(512, 256, (x, y) => (byte)(x < 256 ? 40 : 200), quality: 95));

        var image = ImageDecoder.Load(path, new ImageDecodeOptions(TargetShortSide: target));

        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(40 / 255f, image[width / 4, height / 2], 0.02f);
        Assert.Equal(200 / 255f, image[3 * width / 4, height / 2], 0.02f);
    }

    [Fact]
    public void PngIgnoresTheTargetAndDecodesFullSize()
    {
        string path = Write("g.png", ImageFixtures.Png8(200, 100, 0, new byte[200 * 100]));

        var image = ImageDecoder.Load(path, new ImageDecodeOptions(TargetShortSide: 20));

        Assert.Equal((200, 100), (image.Width, image.Height));
    }

    [Fact]
    public void HugeImageIsRefusedFromItsHeaderWithoutDecoding()
    {
        // A real 20000 x 20000 PNG: 1-bit gray, all black, streamed row by row (a few tens of KB on disk).
        string path = Path.Combine(_root, "huge.png");
        using (var file = File.Create(path))
            ImageFixtures.WritePng(file, 20000, 20000, 1, 0, (_, _) => { });
        Assert.InRange(new FileInfo(path).Length, 1, 1_000_000);

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        bool decoded = ImageDecoder.TryLoad(path, out var image, out var error);
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.False(decoded);
        Assert.Null(image);
        Assert.Equal($"{path}: image is 20000x20000 = 400,000,000 pixels, more than the limit of 50,000,000; refused before decoding", error);
        Assert.InRange(allocated, 0, 1_000_000);                    // not the 1.6 GB a float image would take
        Assert.InRange(clock.ElapsedMilliseconds, 0, 1000);         // inflating 50 MB of rows would take longer
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Load(path));
        Assert.Equal(path, e.ImagePath);
    }

    [Fact]
    public void MaxPixelsIsConfigurable()
    {
        string path = Write("g20.png", ImageFixtures.Png8(20, 20, 0, new byte[400]));

        Assert.False(ImageDecoder.TryLoad(path, out _, out var error, new ImageDecodeOptions(MaxPixels: 399)));
        Assert.Contains("20x20 = 400 pixels, more than the limit of 399", error);
        Assert.True(ImageDecoder.TryLoad(path, out _, out _, new ImageDecodeOptions(MaxPixels: 400)));
    }

    private static byte[] NoisyGrayPng(int size, int bitDepth)
    {
        var random = new Random(7);
        int rowBytes = size * bitDepth / 8;
        return ImageFixtures.Png(size, size, bitDepth, 0, (_, row) => random.NextBytes(row[..rowBytes]));
    }

    public static TheoryData<string, string> BrokenFiles() => new()
    {
        { "zero.png", "empty file (0 bytes), not a decodable image" },
        { "text.png", "not a decodable image (unrecognised or corrupt header: Unimplemented)" },
        { "truncated8.png", "truncated (image data ends early)" },
        { "truncated16.png", "truncated (image data ends early)" },
        { "truncated.jpg", "truncated (image data ends early)" },
        { "corrupt8.png", "corrupt image data" },
        { "corrupt16.png", "corrupt image data" },
        { "header-only.png", "truncated (the header ends early)" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void BrokenFilesFailWithAReasonNamingTheFile(string name, string reason)
    {
        byte[] png8 = NoisyGrayPng(64, 8), png16 = NoisyGrayPng(64, 16);
        byte[] jpeg = ImageFixtures.GrayJpeg(64, 64, (x, y) => (byte)(x * 7 ^ y * 13), quality: 90);
        byte[] content = name switch
        {
            "zero.png" => [],
            "text.png" => "this is not an image at all"u8.ToArray(),
            "truncated8.png" => png8[..(png8.Length / 2)],
            "truncated16.png" => png16[..(png16.Length / 2)],
            "truncated.jpg" => jpeg[..(jpeg.Length / 2)],
            "corrupt8.png" => Corrupt(png8),
            "corrupt16.png" => Corrupt(png16),
            "header-only.png" => png8[..33],
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        string path = Write(name, content);

        Assert.False(ImageDecoder.TryLoad(path, out var image, out var error));
        Assert.Null(image);
        Assert.Equal($"{path}: {reason}", error);
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Load(path));
        Assert.Equal(error, e.Message);
    }

    /// <summary>Flips bytes in the middle of the compressed data, leaving the header intact.</summary>
    private static byte[] Corrupt(byte[] png)
    {
        var copy = (byte[])png.Clone();
        for (int i = 100; i < 400; i++)
            copy[i] ^= 0x5A;
        return copy;
    }

    [Fact]
    public void MissingFileFails()
    {
        string path = Path.Combine(_root, "absent.png");

        Assert.False(ImageDecoder.TryLoad(path, out _, out var error));
        Assert.Equal($"{path}: file not found", error);
    }
}
