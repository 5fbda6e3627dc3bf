using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

public class JpegExtendedCodecTests
{
    static readonly JpegExtendedCodec Codec = new();

    /// <summary>
    /// JPGExtended.dcm (12-bit DCT, lossy). Measured against DCMTK's dcmdjpeg output, whose sha256 equals the
    /// reference: JpegLibrary's float inverse DCT differs from the IJG integer DCT by at most 1 level, on 1680 of
    /// 262144 samples. A difference of at most 1 per sample bounds every 16x16 block average and the mean by 1;
    /// the test asserts the reference's min and max exactly, the thumbnail within 1 and the mean within 0.01.
    /// </summary>
    [Fact]
    public void TwelveBitFileIsWithinOneLevelOfTheReference()
    {
        if (CodecTestFiles.Folder is null) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        var entry = CodecTestFiles.Get("JPGExtended.dcm");
        var reference = CodecTestFiles.ReferenceOf(entry.File);
        var stored = reference.Stored!.Value;
        var frame = Codec.Decode(CodecTestFiles.Frames(entry)[0], entry.Format);
        Assert.Equal("MONOCHROME2", frame.Photometric);
        var values = CodecTestFiles.AsStored(frame.Samples, entry.Format);
        Assert.Equal(stored.GetProperty("min").GetInt32(), values.Min());
        Assert.Equal(stored.GetProperty("max").GetInt32(), values.Max());
        Assert.InRange(values.Average() - stored.GetProperty("mean").GetDouble(), -0.01, 0.01);
        var thumb = CodecTestFiles.Thumb(values, entry.Format);
        var expected = reference.Thumb;
        double worst = thumb.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
        Console.WriteLine($"JPGExtended.dcm: mean {values.Average():F6} vs {stored.GetProperty("mean").GetDouble():F6}, thumbnail max |diff| {worst:F4}");
        Assert.InRange(worst, 0, 1.0005);
        // not bit-exact: the same stream through the IJG DCT gives the reference hash
        Assert.NotEqual(reference.FrameHashes[0], CodecTestFiles.Sha256(values, "uint16"));
    }

    [Fact]
    public void CorruptStreamsFailCleanly()
    {
        if (CodecTestFiles.Folder is null) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        var entry = CodecTestFiles.Get("JPGExtended.dcm");
        var stream = CodecTestFiles.Frames(entry)[0];
        CorruptStreams.AssertCleanFailures(Codec, stream, entry.Format, mustFailWhenTruncated: true);
        var e = Assert.Throws<DicomCodecException>(() => Codec.Decode(stream, entry.Format with { Rows = 512 }));
        Assert.Contains("256 x 1024", e.Message);
        Assert.Throws<DicomCodecException>(() => Codec.Decode(new byte[100], entry.Format));
    }
}
