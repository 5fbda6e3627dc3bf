using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

public class CodecRegistrationTests
{
    static readonly string[] Syntaxes =
    [
        "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
        "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203",
    ];

    [Fact]
    public void EachSyntaxHasItsCodecInTheRegistry()
    {
        var expected = new Dictionary<string, Type>
        {
            ["1.2.840.10008.1.2.4.51"] = typeof(JpegExtendedCodec),
            ["1.2.840.10008.1.2.4.57"] = typeof(JpegLosslessCodec), ["1.2.840.10008.1.2.4.70"] = typeof(JpegLosslessCodec),
            ["1.2.840.10008.1.2.4.80"] = typeof(JpegLsCodec), ["1.2.840.10008.1.2.4.81"] = typeof(JpegLsCodec),
        };
        foreach (var uid in Syntaxes)
        {
            var codec = DicomCodecRegistry.Find(DicomTransferSyntax.FromUid(uid));
            Assert.NotNull(codec);
            Assert.Equal(expected.GetValueOrDefault(uid, typeof(Jpeg2000Codec)), codec.GetType());
        }
    }

    [Fact]
    public void ManifestFormatsEqualTheReadersHeaders()
    {
        if (CodecTestFiles.Folder is null) { Console.WriteLine(TestPaths.SharedDataMissing); return; }
        int count = 0;
        foreach (var entry in CodecTestFiles.WithSyntax(Syntaxes))
        {
            var header = DicomFile.ReadHeader(Path.Combine(CodecTestFiles.Folder, "files", entry.File));
            Assert.Equal(entry.Format with { PlanarConfiguration = header.PixelFormat.PlanarConfiguration }, header.PixelFormat);
            Assert.Equal(entry.TransferSyntax, header.TransferSyntax.Uid);
            count++;
        }
        Assert.Equal(22, count);
    }
}
