using ConVirt.Data;
using System.Text.Json;
using ConVirt.Data.Dicom;
using Xunit.Abstractions;

namespace ConVirt.Tests.Data.Dicom;

/// <summary>
/// Every file of ../shared/data/dicom against reference.jsonl (pydicom / GDCM, see its README): lossless
/// stored values by sha256, lossy ones within a tolerance; modality and VOI statistics within 1e-6; the
/// 16x16 thumbnail; broken files and files without a registered codec fail with a message naming the file
/// and the reason (the transfer syntax for missing codecs).
/// </summary>
public sealed class DicomReferenceTests(ITestOutputHelper output)
{
    static readonly HashSet<string> LossySyntaxes = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.203"];

    // Lossy decoders may round differently (README): JPEG baseline through libjpeg-turbo vs GDCM's IJG code.
    const double LossyMeanTolerance = 0.5, LossyExtremeTolerance = 3, LossyThumbTolerance = 1.0;
    const double ThumbRounding = 0.0005 + 1e-9; // the reference rounds to 3 decimals
    const double Relative = 1e-6, LossyStageRelative = 1e-3;

    public static IEnumerable<object[]> Files() => DicomReference.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void FileMatchesTheReferenceOrFailsClearly(string name)
    {
        if (DicomReference.Folder is null) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        var reference = DicomReference.Reference(name);
        var manifest = DicomReference.ManifestRow(name);
        string path = DicomReference.PathOf(name);
        string uid = manifest.GetProperty("transfer_syntax_uid").GetString()!;

        if (reference.TryGetProperty("error", out _) && reference.TryGetProperty("repaired", out var repaired) && DicomReference.HasCodec(uid))
        {
            // the reader accepts a missing final Sequence Delimitation Item after complete fragments: the
            // frames are those of the repaired file
            var tolerant = DicomFile.Open(path);
            var dtype = repaired.GetProperty("stored").GetProperty("dtype").GetString()!;
            var expected = repaired.GetProperty("frame_sha256");
            Assert.Equal(expected.GetArrayLength(), tolerant.FrameCount);
            for (int f = 0; f < tolerant.FrameCount; f++)
                Assert.Equal(expected[f].GetString(), DicomReference.Sha256(DicomPixelPipeline.DecodeStored(tolerant, f).Samples, dtype));
            return;
        }
        if (reference.TryGetProperty("error", out _))
        {
            // no decoder reads it; with the repaired delimiter the frames are in `repaired`
            var e = Assert.Throws<DicomFileException>(() => DecodeStored(path));
            output.WriteLine(e.Message);
            Assert.Contains(name, e.Message);
            if (!DicomReference.HasCodec(uid)) Assert.Contains(uid, e.Message);
            return;
        }
        if (name == "MR_truncated.dcm")
        {
            // strict: a truncated Pixel Data value is reported, not zero-filled (GDCM's tolerant result)
            var e = Assert.Throws<DicomFileException>(() => DicomFile.Open(path));
            output.WriteLine(e.Message);
            Assert.Contains(name, e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.Contains("8,130", e.Message);
            return;
        }
        if (!DicomReference.HasCodec(uid))
        {
            var e = Assert.Throws<DicomFileException>(() => DecodeStored(path));
            output.WriteLine(e.Message);
            Assert.Contains(name, e.Message);
            Assert.Contains($"unsupported transfer syntax {uid} (", e.Message);
            Assert.Contains(DicomTransferSyntax.FromUid(uid).Name, e.Message);
            return;
        }
        var file = DicomFile.Open(path);
        var frame = DicomPixelPipeline.DecodeStored(file, 0);
        CheckStored(name, reference, manifest, file, frame, LossySyntaxes.Contains(uid));
        if (file.Header.Photometric is "MONOCHROME1" or "MONOCHROME2")
        {
            // lossy stored values that differ from the reference's (JPEG extended through JpegLibrary: at most 1 level)
            // carry their difference into the grey stages
            bool exact = DicomReference.Sha256(frame.Samples, reference.GetProperty("stored").GetProperty("dtype").GetString()!) == reference.GetProperty("stored").GetProperty("sha256").GetString();
            CheckGreyStages(reference, file, frame, exact ? Relative : LossyStageRelative);
        }
        if (file.Header.Photometric == "PALETTE COLOR")
            CheckPalette(reference, file, frame);
        // the whole pipeline gives a finite [0, 1] image of the header's size
        var (image, facts) = DicomPixelPipeline.Decode(file);
        Assert.Equal((file.Header.Columns, file.Header.Rows), (image.Width, image.Height));
        Assert.All(image.Pixels, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(uid, facts.ToString());
    }

    static DicomFrame DecodeStored(string path)
    {
        var file = DicomFile.Open(path);
        try { return DicomPixelPipeline.DecodeStored(file, 0); }
        catch (DicomCodecException e) { throw new DicomFileException(path, e.Message, e); }
    }

    void CheckStored(string name, JsonElement reference, JsonElement manifest, DicomFile file, DicomFrame frame, bool lossy)
    {
        var stored = reference.GetProperty("stored");
        var shape = stored.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int samples = shape.Length == 3 ? shape[2] : 1;
        Assert.Equal(shape[0], file.Header.Rows);
        Assert.Equal(shape[1], file.Header.Columns);
        Assert.Equal(samples, file.Header.SamplesPerPixel);
        string refPhotometric = reference.GetProperty("decoded_photometric").GetString()!;
        if (frame.Photometric != refPhotometric)
        {
            // JPEG baseline colour: Skia hands over RGB, the reference YCbCr and its YBR_FULL->RGB conversion
            Assert.Equal("RGB", frame.Photometric);
            var rgb = reference.GetProperty("rgb");
            for (int c = 0; c < 3; c++)
            {
                var (min, max, mean) = DicomReference.Stats(DicomReference.Channel(frame.Samples, 3, c));
                output.WriteLine($"{name} channel {c}: min {min} max {max} mean {mean:F4} (reference {rgb.GetProperty("min")[c]} {rgb.GetProperty("max")[c]} {rgb.GetProperty("mean")[c]})");
                Assert.InRange(mean, rgb.GetProperty("mean")[c].GetDouble() - LossyMeanTolerance, rgb.GetProperty("mean")[c].GetDouble() + LossyMeanTolerance);
                Assert.InRange(min, rgb.GetProperty("min")[c].GetDouble() - LossyExtremeTolerance, rgb.GetProperty("min")[c].GetDouble() + LossyExtremeTolerance);
                Assert.InRange(max, rgb.GetProperty("max")[c].GetDouble() - LossyExtremeTolerance, rgb.GetProperty("max")[c].GetDouble() + LossyExtremeTolerance);
            }
            return;
        }
        var first = DicomReference.Channel(frame.Samples, samples, 0);
        var all = frame.Samples.Select(v => (double)v).ToArray();
        var (smin, smax, smean) = DicomReference.Stats(all);
        var thumb = DicomReference.Thumb(frame.Samples, shape[0], shape[1], samples);
        var refThumb = reference.GetProperty("thumb").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double thumbDiff = thumb.Zip(refThumb, (a, b) => Math.Abs(a - b)).Max();
        string sha = DicomReference.Sha256(frame.Samples, stored.GetProperty("dtype").GetString()!);
        output.WriteLine($"{name}: min {smin} max {smax} mean {smean:F6} thumb max diff {thumbDiff:G4} sha {(sha == stored.GetProperty("sha256").GetString() ? "equal" : "differs")}");
        if (lossy)
        {
            Assert.InRange(smean, stored.GetProperty("mean").GetDouble() - LossyMeanTolerance, stored.GetProperty("mean").GetDouble() + LossyMeanTolerance);
            Assert.InRange(smin, stored.GetProperty("min").GetDouble() - LossyExtremeTolerance, stored.GetProperty("min").GetDouble() + LossyExtremeTolerance);
            Assert.InRange(smax, stored.GetProperty("max").GetDouble() - LossyExtremeTolerance, stored.GetProperty("max").GetDouble() + LossyExtremeTolerance);
            Assert.InRange(thumbDiff, 0, LossyThumbTolerance);
            return;
        }
        Assert.Equal(stored.GetProperty("sha256").GetString(), sha);
        Assert.Equal(stored.GetProperty("min").GetDouble(), smin);
        Assert.Equal(stored.GetProperty("max").GetDouble(), smax);
        Assert.Equal(stored.GetProperty("mean").GetDouble(), smean, 1e-9 * Math.Max(1, Math.Abs(smean)));
        Assert.InRange(thumbDiff, 0, ThumbRounding * Math.Max(1, refThumb.Max(Math.Abs) * 1e-6 / ThumbRounding));
        // every frame of a multi-frame lossless file
        if (reference.TryGetProperty("frame_sha256", out var frames) && frames.GetArrayLength() > 1)
        {
            Assert.Equal(frames.GetArrayLength(), file.FrameCount);
            for (int f = 1; f < file.FrameCount; f++)
                Assert.Equal(frames[f].GetString(), DicomReference.Sha256(DicomPixelPipeline.DecodeStored(file, f).Samples, stored.GetProperty("dtype").GetString()!));
        }
        _ = first;
    }

    void CheckGreyStages(JsonElement reference, DicomFile file, DicomFrame frame, double relative)
    {
        var header = file.Header;
        var modality = ModalityTransform.From(header);
        var values = DicomPixelPipeline.ApplyModality(frame.Samples, modality);
        var refModality = reference.GetProperty("modality");
        AssertStats(DicomReference.Stats(values), refModality, 0, 1, "modality", relative);
        var voi = reference.GetProperty("voi");
        string method = voi.GetProperty("method").GetString()!;
        var pixels = new float[values.Length];
        if (voi.TryGetProperty("error", out _))
        {
            // an unusable window (width 0) is passed over: never divided by
            var chosen = VoiSelector.Select(header, DicomWindowChoice.First);
            Assert.IsNotType<WindowVoi>(chosen);
            chosen.Apply(values, pixels);
            Assert.All(pixels, v => Assert.True(float.IsFinite(v)));
            return;
        }
        if (method.StartsWith("window", StringComparison.Ordinal))
        {
            var chosen = Assert.IsType<WindowVoi>(VoiSelector.Select(header, DicomWindowChoice.First));
            chosen.Apply(values, pixels);
            AssertNormalised(pixels, voi, "voi (window 0)", relative);
        }
        else if (method.StartsWith("VOI LUT", StringComparison.Ordinal))
        {
            var table = LookupTable.FromItem(header.Dataset.GetSequence(DicomTag.VoiLutSequence)[0], header.PixelRepresentation == 1)!;
            new LutVoi(table).Apply(values, pixels);
            AssertNormalised(pixels, voi, "voi (VOI LUT)", relative);
            if (reference.TryGetProperty("voi_window0", out var window0))
            {
                // the issue's order: the first window before the VOI LUT
                var chosen = Assert.IsType<WindowVoi>(VoiSelector.Select(header, DicomWindowChoice.First));
                Assert.Equal(window0.GetProperty("function").GetString(), chosen.Function == VoiFunction.Sigmoid ? "SIGMOID" : chosen.Function == VoiFunction.LinearExact ? "LINEAR_EXACT" : "LINEAR");
                chosen.Apply(values, pixels);
                AssertNormalised(pixels, window0, "voi (window 0)", relative);
            }
        }
        else
        {
            // no VOI in the file: the frame's min..max
            var chosen = Assert.IsType<MinMaxVoi>(VoiSelector.Select(header, DicomWindowChoice.First));
            chosen.Apply(values, pixels);
            double lo = refModality.GetProperty("min").GetDouble(), hi = refModality.GetProperty("max").GetDouble();
            var (min, max, mean) = DicomReference.Stats(pixels);
            Assert.Equal(0, min, 1e-6);
            Assert.Equal(hi > lo ? 1 : 0, max, 1e-6);
            if (hi > lo) Assert.Equal((refModality.GetProperty("mean").GetDouble() - lo) / (hi - lo), mean, relative);
        }
        // MONOCHROME1 (or INVERSE) turns the window over in the final image
        var (image, facts) = DicomPixelPipeline.Decode(file);
        bool invert = header.Photometric == "MONOCHROME1" || header.PresentationLutShape == "INVERSE";
        Assert.Equal(invert, facts.Inverted);
        VoiSelector.Select(header, DicomWindowChoice.First).Apply(values, pixels);
        for (int i = 0; i < pixels.Length; i += 97)
            Assert.Equal(invert ? 1 - pixels[i] : pixels[i], image.Pixels[i], 1e-6);
    }

    void CheckPalette(JsonElement reference, DicomFile file, DicomFrame frame)
    {
        var lut = PaletteColorLut.From(file.Header);
        var rgb = reference.GetProperty("rgb");
        var channels = new[] { lut.Red, lut.Green, lut.Blue };
        var values = new int[frame.Samples.Length * 3];
        for (int i = 0; i < frame.Samples.Length; i++)
            for (int c = 0; c < 3; c++) values[3 * i + c] = (int)channels[c].Map(frame.Samples[i]);
        Assert.Equal(rgb.GetProperty("sha256").GetString(), DicomReference.Sha256(values, rgb.GetProperty("dtype").GetString()!));
    }

    void AssertNormalised(float[] pixels, JsonElement voi, string what, double relative)
    {
        var range = voi.GetProperty("output_range");
        double lo = range[0].GetDouble(), hi = range[1].GetDouble();
        AssertStats(DicomReference.Stats(pixels), voi, lo, hi, what, relative);
    }

    void AssertStats((double Min, double Max, double Mean) ours, JsonElement reference, double lo, double hi, string what, double relative)
    {
        // reference values in its own units; ours normalised by (v - lo) / (hi - lo) (hi - lo = 1: as is)
        double scale = hi - lo;
        double Norm(string key) => (reference.GetProperty(key).GetDouble() - lo) / scale;
        output.WriteLine($"{what}: ours {ours.Min:G9} {ours.Max:G9} {ours.Mean:G9}; reference {Norm("min"):G9} {Norm("max"):G9} {Norm("mean"):G9}");
        double tolerance(double r) => relative * Math.Max(Math.Abs(r), scale == 1 ? Math.Max(1, Math.Abs(Norm("max"))) : 1);
        Assert.Equal(Norm("min"), ours.Min, tolerance(Norm("min")));
        Assert.Equal(Norm("max"), ours.Max, tolerance(Norm("max")));
        Assert.Equal(Norm("mean"), ours.Mean, tolerance(Norm("mean")));
    }
}
