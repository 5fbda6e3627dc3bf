using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

public class JpegLosslessCodecTests
{
    static readonly JpegLosslessCodec Codec = new();

    [Fact]
    public void RealFilesEqualTheReferenceExactly()
    {
        if (CodecTestFiles.Folder is null) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        var problems = CodecReferenceCheck.Exact(Codec, out var files);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // SV1 at 8, 10, 12 and 16 bits (one signed), SV6, the 3062 x 2394 mammogram, and the broken GH1339 (complete stream)
        Assert.Equal(["CR-MONO1-10-chest_jpll_sv6.dcm", "CR-ModalitySequenceLUT.dcm", "GH1261.dcm", "GH133.dcm", "GH1339.dcm", "GH184.dcm", "JPGLosslessP14SV1_1s_1f_8b.dcm"], files);
    }

    [Theory]
    [InlineData(1, 0, 8, 1, 0)]
    [InlineData(2, 0, 12, 1, 0)]
    [InlineData(3, 0, 16, 1, 0)]
    [InlineData(4, 0, 16, 1, 0)]
    [InlineData(5, 2, 12, 1, 0)]
    [InlineData(6, 0, 16, 1, 0)]
    [InlineData(7, 3, 16, 1, 0)]
    [InlineData(1, 1, 10, 1, 2)]
    [InlineData(4, 0, 8, 3, 0)]
    [InlineData(7, 0, 8, 3, 3)]
    public void RoundTripsTheTestEncoder(int predictor, int pointTransform, int precision, int components, int restartLines)
    {
        int width = 37, height = 23;
        var rng = new Random(predictor * 100 + precision * 10 + components);
        var image = new int[width * height * components];
        int max = (1 << precision) - 1;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < components; c++)
                {
                    // a smooth ramp with noise, extremes included, low bits cleared by the point transform
                    int v = (x * 977 + y * 1531 + c * 4099) % (max + 1);
                    if ((x + y) % 11 == 0) v = rng.Next(2) == 0 ? 0 : max;
                    else v = Math.Clamp(v + rng.Next(-40, 41), 0, max);
                    image[(y * width + x) * components + c] = v >> pointTransform << pointTransform;
                }
        var stream = TestLosslessJpegEncoder.Encode(image, width, height, components, precision, predictor, pointTransform, restartLines * width);
        var format = new DicomPixelFormat(height, width, components, precision > 8 ? 16 : 8, precision, 0, components == 3 ? "RGB" : "MONOCHROME2", 0);
        var frame = Codec.Decode(stream, format);
        Assert.Equal(image, frame.Samples);
    }

    [Fact]
    public void SignedFramesAreSignExtendedFromBitsStored()
    {
        int width = 8, height = 4;
        // 12-bit two's complement patterns of -2048, -1, 0, 2047
        int[] patterns = [0x800, 0xFFF, 0x000, 0x7FF];
        var image = Enumerable.Range(0, width * height).Select(i => patterns[i % 4]).ToArray();
        var stream = TestLosslessJpegEncoder.Encode(image, width, height, 1, 12, 1, 0, 0);
        var frame = Codec.Decode(stream, new DicomPixelFormat(height, width, 1, 16, 12, 1, "MONOCHROME2", 0));
        Assert.Equal(Enumerable.Range(0, width * height).Select(i => new[] { -2048, -1, 0, 2047 }[i % 4]), frame.Samples);
    }

    [Fact]
    public void CorruptOrTruncatedStreamsThrowCodecExceptions()
    {
        var image = Enumerable.Range(0, 64 * 48).Select(i => (i * 37) % 4096).ToArray();
        var stream = TestLosslessJpegEncoder.Encode(image, 64, 48, 1, 12, 1, 0, 0);
        var format = new DicomPixelFormat(48, 64, 1, 16, 12, 0, "MONOCHROME2", 0);
        CorruptStreams.AssertCleanFailures(Codec, stream, format, mustFailWhenTruncated: true);
        // the header must agree with the frame
        Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, format with { Rows = 47 }));
        Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, format with { SamplesPerPixel = 3 }));
        Assert.Throws<DicomCodecException>(() => Codec.Decode([], format));
    }

    [Fact]
    public void RealStreamsCutOrFlippedFailCleanly()
    {
        if (CodecTestFiles.Folder is null) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        var entry = CodecTestFiles.Get("CR-MONO1-10-chest_jpll_sv6.dcm");
        CorruptStreams.AssertCleanFailures(Codec, CodecTestFiles.Frames(entry)[0], entry.Format, mustFailWhenTruncated: true);
    }

    [Fact]
    public void DctStreamsAreRefusedByName()
    {
        if (CodecTestFiles.Folder is null) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        var entry = CodecTestFiles.Get("JPGExtended.dcm");
        var e = Assert.Throws<DicomCodecException>(() => Codec.Decode(CodecTestFiles.Frames(entry)[0], entry.Format));
        Assert.Contains("SOF1", e.Message);
    }
}
