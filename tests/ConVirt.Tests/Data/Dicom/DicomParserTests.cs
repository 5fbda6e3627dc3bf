using ConVirt.Data.Images;
using ConVirt.Data;
using ConVirt.Data.Dicom;
using ConVirt.Tests.Pipeline;

namespace ConVirt.Tests.Data.Dicom;

/// <summary>The DICOM reader on files built byte by byte: encodings, sequences, frames, and every kind of bad input.</summary>
public sealed class DicomParserTests
{
    const string Secret = "SECRET-PID-4711";
    static readonly string Folder = TinyRuns.TempFolder("dicom-parser");

    static DicomBytes Patient(DicomBytes b) => b.Text(0x0008, 0x0060, "CS", "CR").Text(0x0010, 0x0020, "LO", Secret);

    static byte[] Ramp(int n, int start = 0) => Enumerable.Range(start, n).Select(i => (byte)i).ToArray();

    /// <summary>Opens and decodes frame 0; the failure is a DicomFileException naming the file and never the Patient ID.</summary>
    static string Failure(byte[] bytes, string name, DicomReadOptions? options = null)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DicomFileException>(() => DicomPixelPipeline.Decode(DicomFile.Open(path, options)));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        // ImageDecoder (default limits) says the same through TryLoad, without throwing
        if (options is not null) return e.Reason;
        Assert.False(ImageDecoder.TryLoad(path, out _, out var error));
        Assert.StartsWith(path + ": ", error);
        return e.Reason;
    }

    [Fact]
    public void WriterOutputReadsBackWithTypedHeaderValuesThatToStringNeverShows()
    {
        var stored = new ushort[] { 0, 1000, 4095, 2048, 7, 300 };
        var bytes = DicomWriter.Encode(stored, 3, 2, new DicomWriteOptions(BitsStored: 12, WindowCenter: 2048, WindowWidth: 4096, RescaleSlope: 2, RescaleIntercept: -10,
            PatientId: Secret, StudyInstanceUid: "1.2.3.4", AccessionNumber: "ACC99", ViewPosition: "PA", Modality: "DX"));
        string path = Path.Combine(Folder, "written.dcm");
        DicomWriter.WriteFile(path, bytes);
        var header = DicomFile.ReadHeader(path);
        Assert.Equal((Secret, "1.2.3.4", "ACC99", "PA", "DX"), (header.PatientId, header.StudyInstanceUid, header.AccessionNumber, header.ViewPosition, header.Modality));
        Assert.Equal((2, 3, 16, 12, 0, "MONOCHROME2"), (header.Rows, header.Columns, header.BitsAllocated, header.BitsStored, header.PixelRepresentation, header.Photometric));
        Assert.Equal([2048.0], header.WindowCenters);
        Assert.Equal((2.0, -10.0), (header.RescaleSlope, header.RescaleIntercept));
        Assert.True(header.HasPreamble && header.HasFileMeta);
        Assert.Equal(DicomTransferSyntax.ExplicitVrLittleEndian, header.TransferSyntax);
        Assert.NotNull(header.SopInstanceUid);
        Assert.DoesNotContain(Secret, header.ToString());
        Assert.DoesNotContain("ACC99", header.ToString());
        var file = DicomFile.Open(path);
        Assert.DoesNotContain(Secret, file.ToString());
        Assert.Equal(stored.Select(v => (int)v), DicomPixelPipeline.DecodeStored(file, 0).Samples);
        // the same pixels give the same derived UIDs
        Assert.Equal(bytes, DicomWriter.Encode(stored, 3, 2, new DicomWriteOptions(BitsStored: 12, WindowCenter: 2048, WindowWidth: 4096, RescaleSlope: 2, RescaleIntercept: -10,
            PatientId: Secret, StudyInstanceUid: "1.2.3.4", AccessionNumber: "ACC99", ViewPosition: "PA", Modality: "DX")));
    }

    [Fact]
    public void BareImplicitDatasetIsRecognisedByContentWithoutExtension()
    {
        var bytes = Patient(DicomBytes.Bare(implicitVr: true).UInt(0x0008, 0x0000, 4)).Image(2, 2).NativePixels([0, 85, 170, 255]).ToArray();
        string path = Path.Combine(Folder, "bare-no-extension");
        File.WriteAllBytes(path, bytes);
        Assert.True(DicomFile.LooksLikeDicom(path));
        var header = DicomFile.ReadHeader(path);
        Assert.False(header.HasPreamble || header.HasFileMeta);
        Assert.Equal(DicomTransferSyntax.ImplicitVrLittleEndian, header.TransferSyntax);
        var image = ImageDecoder.Load(path);
        Assert.Equal([0f, 85 / 255f, 170 / 255f, 1f], image.Pixels); // no window: the frame's min..max
    }

    [Fact]
    public void SequencesOfEveryLengthKindAreSkippedAndTheirContentsNeverTakenForTopLevelTags()
    {
        foreach (bool implicitVr in new[] { false, true })
        {
            var b = implicitVr ? DicomBytes.WithMeta("1.2.840.10008.1.2") : DicomBytes.WithMeta();
            Patient(b);
            // (0009,1010) private undefined-length sequence: an undefined-length item holding Rows = 999 and a
            // nested defined-length sequence, then a defined-length item
            b.Header(0x0009, 0x1010, "SQ", uint.MaxValue);
            b.Tag(0xFFFE, 0xE000).U32(uint.MaxValue);
            b.US(0x0028, 0x0010, 999);
            var nested = (implicitVr ? DicomBytes.Bare(true) : DicomBytes.Bare(false)).US(0x0028, 0x0011, 999).ToArray();
            b.Header(0x0009, 0x1011, "SQ", (uint)(8 + nested.Length)).Tag(0xFFFE, 0xE000).U32((uint)nested.Length).Raw(nested);
            b.Tag(0xFFFE, 0xE00D).U32(0);
            b.Tag(0xFFFE, 0xE000).U32((uint)nested.Length).Raw(nested);
            b.Tag(0xFFFE, 0xE0DD).U32(0);
            // a stray top-level item (as in GH364.dcm) is skipped by its length
            b.Tag(0xFFFE, 0xE000).U32((uint)nested.Length).Raw(nested);
            b.Image(2, 3).NativePixels(Ramp(6));
            string path = Path.Combine(Folder, $"sequences-{implicitVr}.dcm");
            File.WriteAllBytes(path, b.ToArray());
            var file = DicomFile.Open(path);
            Assert.Equal((2, 3), (file.Header.Rows, file.Header.Columns));
            Assert.Equal(Ramp(6).Select(v => (int)v), DicomPixelPipeline.DecodeStored(file, 0).Samples);
        }
    }

    [Fact]
    public void FramesOfMultiFrameFilesAreChosenAndCheckedAgainstTheFrameCount()
    {
        var b = Patient(DicomBytes.WithMeta()).Image(2, 2, frames: 3).NativePixels(Ramp(12, 10));
        string path = Path.Combine(Folder, "three-frames.dcm");
        File.WriteAllBytes(path, b.ToArray());
        var file = DicomFile.Open(path);
        Assert.Equal(3, file.FrameCount);
        Assert.Equal([18, 19, 20, 21], DicomPixelPipeline.DecodeStored(file, 2).Samples);
        var image = ImageDecoder.Load(path, new ImageDecodeOptions { DicomFrame = 1 });
        Assert.Equal([0f, 1 / 3f, 2 / 3f, 1f], image.Pixels); // frame 1: 14..17, min..max
        Assert.False(ImageDecoder.TryLoad(path, out _, out var error, new ImageDecodeOptions { DicomFrame = 3 }));
        Assert.Contains("frame 3 requested, but the file has 3 frame(s)", error);
    }

    /// <summary>An RLE frame of 2x2 8-bit samples: header (one segment at 64) + one literal run.</summary>
    static byte[] Rle(byte a, byte b, byte c, byte d)
    {
        var frame = new byte[64 + 5];
        frame[0] = 1;
        frame[4] = 64;
        frame[64] = 3;
        (frame[65], frame[66], frame[67], frame[68]) = (a, b, c, d);
        return frame;
    }

    [Fact]
    public void EncapsulatedFramesAreAssembledWithAndWithoutAnOffsetTable()
    {
        var f0 = Rle(1, 2, 3, 4);
        var f1 = Rle(5, 6, 7, 8);
        string Write(string name, uint[] bot, byte[][] fragments, int frames) =>
            Patient(DicomBytes.WithMeta(DicomTransferSyntax.RleLossless.Uid)).Image(2, 2, frames: frames).Encapsulated(bot, fragments).Write(Folder, name);
        // frame 0 split over two fragments; the BOT points at frame 1's single fragment (item headers counted)
        var split = new[] { f0[..30], f0[30..], f1 };
        var withBot = DicomFile.Open(Write("bot.dcm", [0, (uint)(8 + 30 + 8 + f0.Length - 30)], split, 2));
        Assert.True(withBot.HasBasicOffsetTable);
        Assert.Equal(3, withBot.FragmentCount);
        Assert.Equal([1, 2, 3, 4], DicomPixelPipeline.DecodeStored(withBot, 0).Samples);
        Assert.Equal([5, 6, 7, 8], DicomPixelPipeline.DecodeStored(withBot, 1).Samples);
        // no BOT, one fragment per frame
        var perFrame = DicomFile.Open(Write("per-frame.dcm", [], [f0, f1], 2));
        Assert.Equal([5, 6, 7, 8], DicomPixelPipeline.DecodeStored(perFrame, 1).Samples);
        // no BOT, one frame in several fragments: all of them
        var single = DicomFile.Open(Write("single.dcm", [], [f0[..10], f0[10..40], f0[40..]], 1));
        Assert.Equal([1, 2, 3, 4], DicomPixelPipeline.DecodeStored(single, 0).Samples);
        // no BOT, more fragments than frames, no codestream markers (RLE): refused, not guessed
        Assert.Contains("cannot tell which fragments belong to which frame", Failure(File.ReadAllBytes(Write("ambiguous.dcm", [], split, 2)), "ambiguous.dcm"));
    }

    [Fact]
    public void JpegFramesSplitOverFragmentsWithoutAnOffsetTableAreFoundByTheirStartMarker()
    {
        var jpeg0 = ImageFixtures.GrayJpeg(8, 8, (x, y) => (byte)(x * 30));
        var jpeg1 = ImageFixtures.GrayJpeg(8, 8, (x, y) => (byte)(y * 30));
        var path = Patient(DicomBytes.WithMeta(DicomTransferSyntax.JpegBaseline.Uid)).Image(8, 8, frames: 2)
            .Encapsulated([], [jpeg0[..20], jpeg0[20..], jpeg1[..50], jpeg1[50..]]).Write(Folder, "jpeg-fragments.dcm");
        var file = DicomFile.Open(path);
        var frame1 = DicomPixelPipeline.DecodeStored(file, 1).Samples;
        for (int y = 0; y < 8; y++)
            Assert.InRange(frame1[y * 8 + 3], y * 30 - 3, y * 30 + 3); // quality 100: within a few levels
    }

    [Fact]
    public void TruncatedFilesAreReportedAtEveryCutAndNeverCrash()
    {
        var bytes = DicomWriter.Encode(new ushort[64], 8, 8, new DicomWriteOptions(PatientId: Secret));
        Assert.Contains("too short", Failure(bytes[..100], "cut-100.dcm"));
        Assert.Contains("truncated", Failure(bytes[..150], "cut-150.dcm"));
        Assert.Contains("truncated: Pixel Data says 128 bytes but the file holds only 100", Failure(bytes[..^28], "cut-pixels.dcm"));
        // every cut point: a DicomFileException, never another exception or a hang
        string path = Path.Combine(Folder, "cut-any.dcm");
        for (int n = 128; n < bytes.Length; n += n < 200 ? 1 : 3)
        {
            File.WriteAllBytes(path, bytes[..n]);
            Assert.Throws<DicomFileException>(() => DicomPixelPipeline.Decode(DicomFile.Open(path)));
        }
    }

    [Fact]
    public void TruncatedBareDatasetsAndPreamblesWithoutMetaAreReported()
    {
        var bare = Patient(DicomBytes.Bare(implicitVr: true).UInt(0x0008, 0x0000, 4)).Image(2, 2).NativePixels([0, 85, 170, 255]).ToArray();
        var noMeta = new byte[128].Concat("DICM"u8.ToArray()).Concat(bare).ToArray();
        string path = Path.Combine(Folder, "cut-bare.dcm");
        foreach (var bytes in new[] { bare, noMeta })
        {
            File.WriteAllBytes(path, bytes);
            Assert.Equal(4, DicomFile.Open(path).Header.Rows * DicomFile.Open(path).Header.Columns);
            for (int n = 0; n < bytes.Length; n++)
            {
                File.WriteAllBytes(path, bytes[..n]);
                Assert.Throws<DicomFileException>(() => DicomPixelPipeline.Decode(DicomFile.Open(path)));
            }
        }
    }

    [Fact]
    public void CorruptedBytesGiveDicomFileExceptionsOnly()
    {
        var good = Patient(DicomBytes.WithMeta(DicomTransferSyntax.RleLossless.Uid)).Image(2, 2, frames: 2)
            .Encapsulated([0, 8 + 69], [Rle(1, 2, 3, 4), Rle(5, 6, 7, 8)]).ToArray();
        var random = new Random(12);
        string path = Path.Combine(Folder, "flipped.dcm");
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])good.Clone();
            for (int k = 0; k < 3; k++) bytes[132 + random.Next(bytes.Length - 132)] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            try { DicomPixelPipeline.Decode(DicomFile.Open(path), new DicomDecodeSettings(trial % 2)); }
            catch (DicomFileException e) { Assert.DoesNotContain(Secret, e.Message); }
        }
    }

    [Fact]
    public void PreambleWithoutDicmIsNotDicom()
    {
        var bytes = DicomBytes.WithMeta().Image(1, 1).NativePixels([0, 0]).ToArray();
        "ABCD"u8.CopyTo(bytes.AsSpan(128));
        Assert.Contains("no 'DICM' marker at byte 128", Failure(bytes, "no-dicm.dcm"));
    }

    [Fact]
    public void LengthsPastTheEndOfTheFileAreNamed()
    {
        var b = Patient(DicomBytes.WithMeta()).Header(0x0008, 0x103E, "LO", 5000).Raw(Ramp(20));
        Assert.Contains("(0008,103E) (its length 5000 runs past the end)", Failure(b.ToArray(), "long-element.dcm"));
        var pixels = Patient(DicomBytes.WithMeta()).Image(2, 2).Header(0x7FE0, 0x0010, "OB", 400).Raw(Ramp(4));
        Assert.Contains("truncated: Pixel Data says 400 bytes but the file holds only 4", Failure(pixels.ToArray(), "long-pixels.dcm"));
        var fragment = Patient(DicomBytes.WithMeta(DicomTransferSyntax.RleLossless.Uid)).Image(2, 2)
            .Header(0x7FE0, 0x0010, "OB", uint.MaxValue).Tag(0xFFFE, 0xE000).U32(0).Tag(0xFFFE, 0xE000).U32(9999).Raw(Rle(1, 2, 3, 4));
        Assert.Contains("fragment 1 at offset", Failure(fragment.ToArray(), "long-fragment.dcm"));
    }

    [Fact]
    public void AnUndefinedLengthSequenceThatNeverClosesIsReported()
    {
        var b = Patient(DicomBytes.WithMeta()).Header(0x0009, 0x1010, "SQ", uint.MaxValue).Tag(0xFFFE, 0xE000).U32(uint.MaxValue).US(0x0009, 0x1011, 1);
        Assert.Contains("never ends", Failure(b.ToArray(), "open-sequence.dcm"));
        var element = DicomBytes.Bare(false).US(0x0009, 0x1011, 1).ToArray();
        var items = Patient(DicomBytes.WithMeta()).Header(0x0009, 0x1010, "SQ", uint.MaxValue).Tag(0xFFFE, 0xE000).U32((uint)element.Length).Raw(element);
        Assert.Contains("never ends", Failure(items.ToArray(), "open-sequence-2.dcm"));
    }

    [Fact]
    public void AnOffsetTableThatLiesIsRefused()
    {
        byte[] Lying(uint[] bot) => Patient(DicomBytes.WithMeta(DicomTransferSyntax.RleLossless.Uid)).Image(2, 2, frames: 2)
            .Encapsulated(bot, [Rle(1, 2, 3, 4), Rle(5, 6, 7, 8)]).ToArray();
        Assert.Contains("Basic Offset Table does not match the fragments: entry 1 (offset 50)", Failure(Lying([0, 50]), "bot-lies.dcm"));
        Assert.Contains("Basic Offset Table does not match", Failure(Lying([0, 0]), "bot-repeats.dcm"));
        Assert.Contains("Basic Offset Table has 3 entries for 2 frame(s)", Failure(Lying([0, 77, 154]), "bot-count.dcm"));
    }

    [Fact]
    public void AbsurdRowsAndColumnsAreRefusedFromTheHeaderBeforeAnyAllocation()
    {
        // 65535 x 65535 x 3 frames of 16 bits would be 25 GB; the file holds 4 bytes
        var b = Patient(DicomBytes.WithMeta()).Image(65535, 65535, bits: 16, frames: 3).NativePixels(Ramp(4));
        Assert.Contains("image is 65535x65535 = 4,294,836,225 pixels, more than the limit of 50,000,000; refused before decoding", Failure(b.ToArray(), "huge.dcm"));
        // ImageDecodeOptions.MaxPixels is honoured
        var small = Patient(DicomBytes.WithMeta()).Image(4, 4).NativePixels(Ramp(16)).Write(Folder, "sixteen.dcm");
        Assert.False(ImageDecoder.TryLoad(small, out _, out var error, new ImageDecodeOptions(MaxPixels: 15)));
        Assert.Contains("more than the limit of 15", error);
        // and a native value too short for the header's geometry
        var shortPixels = Patient(DicomBytes.WithMeta()).Image(4, 4, frames: 2).NativePixels(Ramp(16));
        Assert.Contains("fewer than the 32 that Rows x Columns x Frames x Samples x Bits Allocated", Failure(shortPixels.ToArray(), "short-pixels.dcm"));
    }

    [Fact]
    public void UnsupportedTransferSyntaxesAreNamed()
    {
        var j2k = Patient(DicomBytes.WithMeta("1.2.840.10008.1.2.4.90")).Image(2, 2).Encapsulated([], [[0xFF, 0x4F, 0xFF, 0x51]]).ToArray();
        if (DicomCodecRegistry.Find(DicomTransferSyntax.FromUid("1.2.840.10008.1.2.4.90")) is null)
            Assert.Contains("unsupported transfer syntax 1.2.840.10008.1.2.4.90 (JPEG 2000 Image Compression (Lossless Only))", Failure(j2k, "j2k.dcm"));
        var unknown = Patient(DicomBytes.WithMeta("1.2.3.4.5")).Image(2, 2).Encapsulated([], [[1, 2]]).ToArray();
        Assert.Contains("unsupported transfer syntax 1.2.3.4.5 (unknown transfer syntax)", Failure(unknown, "unknown.dcm"));
    }

    [Fact]
    public void EncapsulatedDataWithoutFramesAndFilesWithoutPixelsAreReported()
    {
        var empty = Patient(DicomBytes.WithMeta(DicomTransferSyntax.RleLossless.Uid)).Image(2, 2).Encapsulated([], []).ToArray();
        Assert.Contains("encapsulated Pixel Data holds no frames", Failure(empty, "no-frames.dcm"));
        var noPixels = Patient(DicomBytes.WithMeta()).Image(2, 2).ToArray();
        Assert.Contains("no Pixel Data (7FE0,0010)", Failure(noPixels, "no-pixels.dcm"));
        var badVr = Patient(DicomBytes.WithMeta()).Tag(0x0008, 0x0070).Raw(0x01, 0x02, 0, 0);
        Assert.Contains("invalid value representation (bytes 0x01 0x02) for element (0008,0070)", Failure(badVr.ToArray(), "bad-vr.dcm"));
        var badJpeg = Patient(DicomBytes.WithMeta(DicomTransferSyntax.JpegBaseline.Uid)).Image(2, 2).Encapsulated([], [Ramp(4)]).ToArray();
        Assert.Contains("JPEG Baseline (Process 1): the frame is not a JPEG stream", Failure(badJpeg, "not-jpeg.dcm"));
    }

    [Fact]
    public void TheHeaderLimitStopsAFileWhosePixelDataLiesTooFar()
    {
        var b = Patient(DicomBytes.WithMeta()).Header(0x0009, 0x1000, "OB", 4000).Raw(new byte[4000]).Image(1, 1).NativePixels([1, 0]);
        Assert.Contains("no Pixel Data (7FE0,0010) within the first 2,048 bytes", Failure(b.ToArray(), "far-pixels.dcm", new DicomReadOptions(MaxHeaderBytes: 2048)));
        // ReadHeader reads only a prefix: an element running past the limit is the limit, not a truncation
        var far = Patient(DicomBytes.WithMeta()).Header(0x0009, 0x1000, "OB", 10000).Raw(new byte[10000]).Image(1, 1).NativePixels([1, 0]).Write(Folder, "far-header.dcm");
        var e = Assert.Throws<DicomFileException>(() => DicomFile.ReadHeader(far, new DicomReadOptions(MaxHeaderBytes: 2048)));
        Assert.Contains("no Pixel Data (7FE0,0010) within the first 2,048 bytes", e.Message);
        Assert.Equal(1, DicomFile.ReadHeader(far).Rows);
    }
}
