using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

public class Jpeg2000CodecTests
{
    static readonly Jpeg2000Codec Codec = new();

    static bool Ready() =>
        CodecTestFiles.Folder is null ? Skip(TestPaths.SharedDataMissing) : CodecTestFiles.NativeAvailable("libopenjp2.so.7", "libopenjp2-7");

    static bool Skip(string message) { Console.WriteLine(message); return false; }

    /// <summary>
    /// Lossless and lossy JPEG 2000 and HTJ2K: the reference comes from the same OpenJPEG 2.5.0 (through GDCM,
    /// Pillow or opj_decompress), so the lossy files are compared exactly too.
    /// </summary>
    [Fact]
    public void RealFilesEqualTheReferenceExactly()
    {
        if (!Ready()) return;
        var problems = CodecReferenceCheck.Exact(Codec, out var files);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(["HTJ2KLossless_08_RGB.dcm", "HTJ2K_08_RGB.dcm", "J2K_pixelrep_mismatch.dcm", "MR2_J2KI.dcm", "MR_small_jp2klossless.dcm",
            "RG1_J2KI.dcm", "RG3_J2KI.dcm", "RG3_J2KR.dcm", "US1_J2KI.dcm", "emri_small_jpeg_2k_lossless_too_short.dcm"], files);
    }

    [Fact]
    public void UnsignedCodestreamInASignedFileIsReadAsTwosComplement()
    {
        if (!Ready()) return;
        // J2K_pixelrep_mismatch.dcm: the codestream codes unsigned 13-bit samples, Pixel Representation is 1
        var entry = CodecTestFiles.Get("J2K_pixelrep_mismatch.dcm");
        var samples = Codec.Decode(CodecTestFiles.Frames(entry)[0], entry.Format).Samples;
        Assert.Equal(-2000, samples.Min());
        Assert.Equal(1896, samples.Max());
        // read as unsigned, the same stream gives the bit patterns 0..8191
        var unsigned = Codec.Decode(CodecTestFiles.Frames(entry)[0], entry.Format with { PixelRepresentation = 0 }).Samples;
        Assert.InRange(unsigned.Min(), 0, 8191);
        Assert.InRange(unsigned.Max(), 0, 8191);
        Assert.All(unsigned.Zip(samples), p => Assert.Equal(p.First >= 4096 ? p.First - 8192 : p.First, p.Second));
    }

    [Fact]
    public void TruncatedTenFrameFileDecodesEveryCompleteFragment()
    {
        if (!Ready()) return;
        // emri_small_jpeg_2k_lossless_too_short.dcm lacks only its Sequence Delimitation Item: the reference is the repaired file
        var entry = CodecTestFiles.Get("emri_small_jpeg_2k_lossless_too_short.dcm");
        var hashes = CodecTestFiles.ReferenceOf(entry.File).FrameHashes;
        var frames = CodecTestFiles.Frames(entry);
        Assert.Equal(10, frames.Count);
        for (int i = 0; i < 10; i++)
            Assert.Equal(hashes[i], CodecTestFiles.Sha256(CodecTestFiles.AsStored(Codec.Decode(frames[i], entry.Format).Samples, entry.Format), "uint16"));
    }

    [Fact]
    public void CorruptStreamsFailCleanly()
    {
        if (!Ready()) return;
        var entry = CodecTestFiles.Get("MR_small_jp2klossless.dcm");
        var stream = CodecTestFiles.Frames(entry)[0];
        CorruptStreams.AssertCleanFailures(Codec, stream, entry.Format, mustFailWhenTruncated: true);
        var colour = CodecTestFiles.Get("US1_J2KI.dcm");
        CorruptStreams.AssertCleanFailures(Codec, CodecTestFiles.Frames(colour)[0], colour.Format, mustFailWhenTruncated: true);
        var e = Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, entry.Format with { Rows = 65 }));
        Assert.Contains("64 x 64", e.Message);
        Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, entry.Format with { SamplesPerPixel = 3 }));
        Assert.Throws<DicomCodecException>(() => Codec.Decode([0xFF, 0xD8, 0xFF, 0xE0], entry.Format));
    }

    [Fact]
    public void ConcurrentDecodesAgree()
    {
        if (!Ready()) return;
        var entry = CodecTestFiles.Get("MR2_J2KI.dcm");
        var stream = CodecTestFiles.Frames(entry)[0];
        var expected = Codec.Decode(stream, entry.Format).Samples;
        var results = new int[4][];
        Parallel.For(0, 4, i => results[i] = Codec.Decode(stream, entry.Format).Samples);
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void AMissingLibraryIsNamedWithItsPackage()
    {
        var codec = new Jpeg2000Codec("libopenjp2-missing-for-test.so.9");
        Assert.Contains("1.2.840.10008.1.2.4.201", codec.TransferSyntaxes);
        var format = new DicomPixelFormat(4, 4, 1, 8, 8, 0, "MONOCHROME2", 0);
        var e = Assert.Throws<DicomCodecUnavailableException>(() => codec.Decode([0xFF, 0x4F, 0xFF, 0x51], format));
        Assert.Equal("libopenjp2-7", e.Package);
        Assert.Contains("libopenjp2-missing-for-test.so.9", e.Message);
        Assert.Contains("apt-get install libopenjp2-7", e.Message);
        Assert.Contains("1.2.840.10008.1.2.4.90", e.Message);
    }
}
