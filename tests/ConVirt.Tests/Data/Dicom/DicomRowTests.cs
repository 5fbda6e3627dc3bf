using ConVirt.Data.Images;
using ConVirt.Cli;
using ConVirt.Data;
using ConVirt.Data.Dicom;
using ConVirt.Data.Synthetic;
using ConVirt.Tests.Pipeline;
using Spectre.Console;

namespace ConVirt.Tests.Data.Dicom;

/// <summary>A DICOM row behaves like a PNG row: same intensities, `convirt pretrain` trains on it, `convirt preview` shows it.</summary>
[Collection(TorchCollection.Name)]
public sealed class DicomRowTests
{
    const string Secret = "PID-SECRET-0815";

    static (int Code, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No });
        int code = ConVirtApp.Run(args, console);
        return (code, writer.ToString());
    }

    static ushort[] To16(GrayImage image) => image.Pixels.Select(v => (ushort)Math.Round(Math.Clamp(v, 0f, 1f) * 65535)).ToArray();

    [Fact]
    public void A16BitDicomDecodesToTheSameIntensitiesAsThe16BitPngOfTheSameImage()
    {
        var dir = TinyRuns.TempFolder("dicom-vs-png");
        var image = SyntheticChestXray.Generate(3, 64, seed: 7).Image;
        var stored = To16(image);
        string png = Path.Combine(dir, "a.png"), dcm = Path.Combine(dir, "a.dcm");
        File.WriteAllBytes(png, ImageFixtures.Png16(64, 64, 0, stored));
        DicomWriter.WriteFile(dcm, DicomWriter.EncodeGray(image, 16, new DicomWriteOptions(PatientId: Secret, Modality: "DX", ViewPosition: "PA")));
        var fromPng = ImageDecoder.Load(png);
        var fromDicom = ImageDecoder.Load(dcm);
        Assert.Equal((64, 64), (fromDicom.Width, fromDicom.Height));
        double worst = fromPng.Pixels.Zip(fromDicom.Pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(worst, 0, 1 / 65535.0);
        // and the stored values are the 16-bit values, not an 8-bit rounding
        Assert.Equal(stored.Select(v => (int)v), DicomPixelPipeline.DecodeStored(DicomFile.Open(dcm), 0).Samples);
    }

    [Fact]
    public void PretrainTrainsOnAManifestOfDicomRows()
    {
        var data = TinyRuns.TempFolder("dicom-rows");
        string manifest = SyntheticDataset.Write(data, 24, 40, seed: 2);
        foreach (var png in Directory.GetFiles(Path.Combine(data, "images"), "*.png"))
        {
            DicomWriter.WriteFile(Path.ChangeExtension(png, ".dcm"), DicomWriter.EncodeGray(ImageDecoder.Load(png), 16, new DicomWriteOptions(PatientId: Secret, Modality: "CR")));
            File.Delete(png);
        }
        File.WriteAllLines(manifest, File.ReadAllLines(manifest).Select(l => l.Replace(".png\"", ".dcm\"", StringComparison.Ordinal)));
        Assert.All(File.ReadAllLines(manifest), l => Assert.Contains(".dcm\"", l));
        var configFile = Path.Combine(data, "tiny.json");
        File.WriteAllText(configFile, TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1).ToJson());
        var run = Path.Combine(TinyRuns.TempFolder("dicom-run"), "run");
        var (code, output) = Run("pretrain", "--train", manifest, "--out", run, "--config", configFile, "--max-steps", "3");
        Assert.True(code == 0, output);
        Assert.Contains("step-limit: 3 steps", output);
        Assert.DoesNotContain(".dcm", output);   // no row was skipped (skips name their file)
        Assert.DoesNotContain(Secret, output);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "latest")));
    }

    [Fact]
    public void PreviewWritesTheModelInputAndPrintsDecodingFactsWithoutPatientData()
    {
        var dir = TinyRuns.TempFolder("dicom-preview");
        var image = SyntheticChestXray.Generate(1, 48, seed: 4).Image;
        string dcm = Path.Combine(dir, "chest.dcm"), png = Path.Combine(dir, "out", "view.png");
        DicomWriter.WriteFile(dcm, DicomWriter.EncodeGray(image, 16, new DicomWriteOptions(BitsStored: 12, PatientId: Secret, AccessionNumber: "ACC-SECRET", WindowCenter: 2000, WindowWidth: 3000)));
        var (code, output) = Run("preview", "--image", dcm, "--image-size", "32", "--out", png);
        Assert.True(code == 0, output);
        Assert.Contains("transfer syntax: 1.2.840.10008.1.2.1 (Explicit VR Little Endian)", output);
        Assert.Contains("bits: 12 stored of 16 allocated", output);
        Assert.Contains("photometric: MONOCHROME2", output);
        Assert.Contains("window 0: center 2000, width 3000, LINEAR", output);
        Assert.DoesNotContain(Secret, output);
        Assert.DoesNotContain("ACC-SECRET", output);
        var written = ImageDecoder.Load(png);
        Assert.Equal((32, 32), (written.Width, written.Height));
        // the PNG holds the evaluation transform of the windowed image (8-bit)
        var expected = ImagePreview.Create(dcm, 32).Pixels;
        Assert.InRange(written.Pixels.Zip(expected, (a, b) => Math.Abs(a - b)).Max(), 0, 0.5 / 255 + 1e-6);
        // a bad window is a one-line error; a PNG previews too
        (code, output) = Run("preview", "--image", dcm, "--window", "middle", "--out", png);
        Assert.NotEqual(0, code);
        Assert.Contains("window must be first, minmax or index:N", output);
        (code, output) = Run("preview", "--image", png, "--image-size", "16", "--out", Path.Combine(dir, "again.png"));
        Assert.True(code == 0, output);
        Assert.Contains("format: Png", output);
    }
}
