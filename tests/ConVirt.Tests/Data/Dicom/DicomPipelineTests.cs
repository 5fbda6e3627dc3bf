using ConVirt.Data.Images;
using ConVirt.Data;
using ConVirt.Data.Dicom;
using ConVirt.Tests.Pipeline;

namespace ConVirt.Tests.Data.Dicom;

/// <summary>Each pipeline stage against hand-computed values.</summary>
public sealed class DicomPipelineTests
{
    static readonly string Folder = TinyRuns.TempFolder("dicom-pipeline");

    [Fact]
    public void StoredValuesAreMaskedToBitsStoredAndSignExtended()
    {
        int[] signed = [0x3FFF, 0x2000, 0x1FFF, 0xC001]; // 14 bits stored, signed; 0xC001 has junk above bit 13
        StoredValueMask.Apply(signed, 14, signed: true);
        Assert.Equal([-1, -8192, 8191, 1], signed);
        int[] unsigned = [0xF123, 0x0FFF, 0x1000];
        StoredValueMask.Apply(unsigned, 12, signed: false);
        Assert.Equal([0x123, 0xFFF, 0], unsigned);
    }

    [Fact]
    public void LinearWindowFollowsTheStandardsHalfPixelShift()
    {
        var w = new WindowVoi(40, 400, VoiFunction.Linear);
        // c - 0.5 = 39.5, w - 1 = 399: 0 at or below -160, 1 above 239
        Assert.Equal(0, w.Map(-160));
        Assert.Equal(1 / 399.0 * (-159 - 39.5) + 0.5, w.Map(-159), 12);
        Assert.Equal(0.5, w.Map(39.5), 12);
        Assert.Equal((100 - 39.5) / 399 + 0.5, w.Map(100), 12);
        Assert.Equal(1, w.Map(239), 12);
        Assert.Equal(1, w.Map(240));
    }

    [Fact]
    public void LinearExactAndSigmoidWindows()
    {
        var exact = new WindowVoi(40, 400, VoiFunction.LinearExact);
        Assert.Equal(0, exact.Map(-160));
        Assert.Equal(0.65, exact.Map(100), 12);
        Assert.Equal(1, exact.Map(240), 12);
        var sigmoid = new WindowVoi(40, 400, VoiFunction.Sigmoid);
        Assert.Equal(0.5, sigmoid.Map(40), 12);
        Assert.Equal(1 / (1 + Math.Exp(-1)), sigmoid.Map(140), 12); // -4 * 100 / 400 = -1
        Assert.Equal(1 / (1 + Math.Exp(2)), sigmoid.Map(-160), 12);
    }

    [Fact]
    public void InvalidWidthsAreRejectedAndPassedOver()
    {
        Assert.False(WindowVoi.IsValid(1, 0, VoiFunction.Linear));
        Assert.False(WindowVoi.IsValid(1, 0.5, VoiFunction.Linear));
        Assert.True(WindowVoi.IsValid(1, 0.5, VoiFunction.LinearExact));
        Assert.False(WindowVoi.IsValid(1, 0, VoiFunction.Sigmoid));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WindowVoi(1, 0, VoiFunction.Linear));
        // a file with Window Width 0 decodes through min..max (no division by zero)
        var bytes = DicomWriter.Encode(new ushort[] { 10, 20, 30, 40 }, 2, 2, new DicomWriteOptions(WindowCenter: 1, WindowWidth: 0));
        string path = Path.Combine(Folder, "width0.dcm");
        File.WriteAllBytes(path, bytes);
        var (image, facts) = DicomPixelPipeline.Decode(DicomFile.Open(path));
        Assert.Equal([0f, 1 / 3f, 2 / 3f, 1f], image.Pixels);
        Assert.StartsWith("frame min..max", facts.Window);
        // but asked for by index it is an error naming the window
        var e = Assert.Throws<DicomFileException>(() => DicomPixelPipeline.Decode(DicomFile.Open(path), new DicomDecodeSettings(0, DicomWindowChoice.Parse("index:0"))));
        Assert.Contains("window 0 is not usable", e.Message);
    }

    [Fact]
    public void RescaleThenWindowThenMonochrome1Inversion()
    {
        // stored 0, 100, 200, 300 -> HU = 2 s - 1024 = -1024, -824, -624, -424; window 40/400 LINEAR_EXACT... LINEAR:
        var stored = new ushort[] { 0, 100, 200, 300 };
        foreach (var photometric in new[] { "MONOCHROME2", "MONOCHROME1" })
        {
            var bytes = DicomWriter.Encode(stored, 2, 2, new DicomWriteOptions(Photometric: photometric, RescaleSlope: 2, RescaleIntercept: -1024, WindowCenter: -724, WindowWidth: 401));
            string path = Path.Combine(Folder, photometric + ".dcm");
            File.WriteAllBytes(path, bytes);
            var (image, facts) = DicomPixelPipeline.Decode(DicomFile.Open(path));
            // c' = -724.5, w' = 400: 0 at or below -924.5, 1 above -524.5; -824 -> (-824 + 724.5) / 400 + 0.5 = 0.25125
            double[] expected = [0, 0.25125, 0.75125, 1];
            bool mono1 = photometric == "MONOCHROME1";
            for (int i = 0; i < 4; i++) Assert.Equal(mono1 ? 1 - expected[i] : expected[i], image.Pixels[i], 6);
            Assert.Equal(mono1, facts.Inverted);
            Assert.Equal("rescale slope 2, intercept -1024", facts.Modality);
        }
    }

    [Fact]
    public void PresentationLutShapeInverseInvertsMonochrome2OnceAndMonochrome1Once()
    {
        foreach (var (photometric, inverted) in new[] { ("MONOCHROME2", true), ("MONOCHROME1", true) })
        {
            var b = DicomBytes.WithMeta().Image(1, 2, photometric: photometric).Text(0x2050, 0x0020, "CS", "INVERSE").NativePixels([0, 255]);
            var (image, facts) = DicomPixelPipeline.Decode(DicomFile.Open(b.Write(Folder, $"inverse-{photometric}.dcm")));
            Assert.Equal(inverted, facts.Inverted);
            Assert.Equal([1f, 0f], image.Pixels);
        }
    }

    [Fact]
    public void LookupTablesClampBelowTheFirstMappedValueAndPastTheLastEntry()
    {
        var lut = new LookupTable(-2, 8, [10, 20, 30]);
        Assert.Equal(10, lut.Map(-5));
        Assert.Equal(10, lut.Map(-2));
        Assert.Equal(20, lut.Map(-1));
        Assert.Equal(30, lut.Map(0.9)); // index floor(2.9) = 2
        Assert.Equal(30, lut.Map(100));
        Assert.Equal(255, lut.OutputMax);
        var voi = new LutVoi(lut);
        var output = new float[2];
        voi.Apply([-1.0, 50], output);
        Assert.Equal([20 / 255f, 30 / 255f], output);
    }

    [Fact]
    public void SegmentedPaletteDataExpandsDiscreteLinearAndIndirectSegments()
    {
        // discrete 10, 20, 30; linear to 60 over 3 entries; indirect: the first 2 segments again (at word 0),
        // whose linear segment starts from the last value written (30 again)
        ushort[] data = [0, 3, 10, 20, 30, 1, 3, 60, 2, 2, 0, 0];
        var lut = PaletteColorLut.ExpandSegmented(data, 65536, "red");
        Assert.Equal([10, 20, 30, 40, 50, 60, 10, 20, 30, 40, 50, 60], lut.Select(v => (int)v));
        // linear values are rounded half to even, as numpy.around: 0 -> 5 over 2 gives 2.5 -> 2, 5
        Assert.Equal([0, 2, 5], PaletteColorLut.ExpandSegmented([0, 1, 0, 1, 2, 5], 10, "red").Select(v => (int)v));
    }

    [Fact]
    public void ColourBecomesBt601Luminance()
    {
        var output = new float[3];
        ColorToLuminance.Apply([255, 0, 0, 0, 255, 0, 0, 0, 255], "RGB", 8, output);
        Assert.Equal([0.299f, 0.587f, 0.114f], output.Select(v => MathF.Round(v, 6)));
        // YBR_FULL grey (Cb = Cr = 128) is Y; pure red in YCbCr (76, 85, 255) is red again
        ColorToLuminance.Apply([200, 128, 128, 76, 85, 255, 0, 128, 128], "YBR_FULL", 8, output);
        Assert.Equal(200 / 255.0, output[0], 6);
        double r = Math.Min(255, 76 + 1.402 * 127), g = Math.Max(0, 76 - 0.114 * 1.772 / 0.587 * -43 - 0.299 * 1.402 / 0.587 * 127), b = Math.Max(0, 76 + 1.772 * -43);
        Assert.Equal((0.299 * r + 0.587 * g + 0.114 * b) / 255, output[1], 6);
        Assert.Throws<DicomCodecException>(() => ColorToLuminance.Apply([1, 2, 3], "YBR_ICT", 8, output));
    }

    [Fact]
    public void NativeCodecUnpacksBitsPlanesAndYbr422()
    {
        var bits = NativeCodec.DecodeNative([0b1000_0101], new DicomPixelFormat(1, 8, 1, 1, 1, 0, "MONOCHROME2", 0));
        Assert.Equal([1, 0, 1, 0, 0, 0, 0, 1], bits.Samples); // first pixel in the least significant bit
        var planar = NativeCodec.DecodeNative([1, 2, 10, 20, 100, 200], new DicomPixelFormat(1, 2, 3, 8, 8, 0, "RGB", 1));
        Assert.Equal([1, 10, 100, 2, 20, 200], planar.Samples);
        var ybr = NativeCodec.DecodeNative([50, 60, 128, 130], new DicomPixelFormat(1, 2, 3, 8, 8, 0, "YBR_FULL_422", 0));
        Assert.Equal([50, 128, 130, 60, 128, 130], ybr.Samples);
        Assert.Equal("YBR_FULL", ybr.Photometric);
    }

    [Fact]
    public void RleSegmentsAreHighByteFirstPackBits()
    {
        // 16-bit, 3 pixels: values 0x0102, 0x0102, 0x0AFF; segment 0 (high bytes): repeat 01 x2, literal 0A;
        // segment 1 (low bytes): literal 02 02 FF
        byte[] frame = new byte[64 + 4 + 4];
        frame[0] = 2; frame[4] = 64; frame[8] = 68;
        byte[] seg0 = [0xFF, 0x01, 0x00, 0x0A];
        byte[] seg1 = [0x02, 0x02, 0x02, 0xFF];
        seg0.CopyTo(frame, 64); seg1.CopyTo(frame, 68);
        var decoded = new RleCodec().Decode(frame, new DicomPixelFormat(1, 3, 1, 16, 16, 0, "MONOCHROME2", 0));
        Assert.Equal([0x0102, 0x0102, 0x0AFF], decoded.Samples);
        var e = Assert.Throws<DicomCodecException>(() => new RleCodec().Decode(frame[..70], new DicomPixelFormat(1, 3, 1, 16, 16, 0, "MONOCHROME2", 0)));
        Assert.Contains("RLE segment 1", e.Message);
    }

    [Fact]
    public void WindowChoiceParsesAndRejects()
    {
        Assert.Equal(DicomWindowChoice.First, DicomWindowChoice.Parse("first"));
        Assert.Equal(DicomWindowChoice.MinMax, DicomWindowChoice.Parse("MinMax"));
        Assert.Equal(new DicomWindowChoice(DicomWindowMode.Index, 2), DicomWindowChoice.Parse("index:2"));
        Assert.Equal("index:2", DicomWindowChoice.Parse("index:2").ToString());
        var e = Assert.Throws<FormatException>(() => DicomWindowChoice.Parse("index:-1"));
        Assert.Contains("'index:-1'", e.Message);
        Assert.Throws<FormatException>(() => DicomWindowChoice.Parse("last"));
    }

    [Fact]
    public void WindowIndexAndMinMaxChooseOtherVois()
    {
        var b = DicomBytes.WithMeta().Image(1, 3).Text(0x0028, 0x1050, "DS", "100\\50").Text(0x0028, 0x1051, "DS", "101\\11").NativePixels([50, 100, 200, 0]);
        string path = b.Write(Folder, "two-windows.dcm");
        float[] Pixels(string window) => ImageDecoder.Load(path, new ImageDecodeOptions { DicomWindow = DicomWindowChoice.Parse(window) }).Pixels;
        // first: c' 99.5, w' 100 -> 50 -> 0.005, 100 -> 0.505, 200 -> 1
        Assert.Equal([0.005f, 0.505f, 1f], Pixels("first").Select(v => MathF.Round(v, 6)));
        // index:1: c' 49.5, w' 10 -> 50 -> 0.55, 100 -> 1
        Assert.Equal([0.55f, 1f, 1f], Pixels("index:1").Select(v => MathF.Round(v, 6)));
        Assert.Equal([0f, 1 / 3f, 1f], Pixels("minmax"));
        Assert.False(ImageDecoder.TryLoad(path, out _, out var error, new ImageDecodeOptions { DicomWindow = DicomWindowChoice.Parse("index:2") }));
        Assert.Contains("window index:2 requested, but the header has 2", error);
    }
}
