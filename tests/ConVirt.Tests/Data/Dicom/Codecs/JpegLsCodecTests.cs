using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

public class JpegLsCodecTests
{
    static readonly JpegLsCodec Codec = new();

    static bool Ready() =>
        CodecTestFiles.Folder is null ? Skip(TestPaths.SharedDataMissing) : CodecTestFiles.NativeAvailable("libcharls.so.2", "libcharls2");

    static bool Skip(string message) { Console.WriteLine(message); return false; }

    [Fact]
    public void RealFilesEqualTheReferenceExactly()
    {
        if (!Ready()) return;
        var problems = CodecReferenceCheck.Exact(Codec, out var files);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // lossless 16-bit signed, 15-in-16 signed, 8-bit (GH364: broken header, complete stream), near-lossless 16-bit
        Assert.Equal(["GH364.dcm", "JLSL_16_15_1_1F.dcm", "JPEGLSNearLossless_16.dcm", "MR_small_jpeg_ls_lossless.dcm"], files);
    }

    [Fact]
    public void CorruptStreamsFailCleanly()
    {
        if (!Ready()) return;
        var entry = CodecTestFiles.Get("JLSL_16_15_1_1F.dcm");
        var stream = CodecTestFiles.Frames(entry)[0];
        CorruptStreams.AssertCleanFailures(Codec, stream, entry.Format, mustFailWhenTruncated: true);
        var e = Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, entry.Format with { Columns = 127 }));
        Assert.Contains("128 x 128", e.Message);
        Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, entry.Format with { Rows = 1 << 20, Columns = 1 << 20 }));
    }

    [Fact]
    public void AMissingLibraryIsNamedWithItsPackage()
    {
        var codec = new JpegLsCodec("libcharls-missing-for-test.so.9");
        Assert.Contains("1.2.840.10008.1.2.4.80", codec.TransferSyntaxes); // listing never loads the library
        var format = new DicomPixelFormat(4, 4, 1, 8, 8, 0, "MONOCHROME2", 0);
        var e = Assert.Throws<DicomCodecUnavailableException>(() => codec.Decode([0xFF, 0xD8, 0xFF, 0xF7, 0, 0], format));
        Assert.Equal("libcharls2", e.Package);
        Assert.Contains("libcharls-missing-for-test.so.9", e.Message);
        Assert.Contains("JPEG-LS", e.Message);
        Assert.Contains("1.2.840.10008.1.2.4.80", e.Message);
        Assert.Contains("apt-get install libcharls2", e.Message);
        // the failure is remembered, not retried into a different exception
        Assert.Throws<DicomCodecUnavailableException>(() => codec.Decode([0xFF, 0xD8, 0xFF, 0xF7, 0, 0], format));
    }
}
