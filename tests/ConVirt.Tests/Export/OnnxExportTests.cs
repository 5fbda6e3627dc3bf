using ConVirt.Training;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ConVirt.Configuration;
using ConVirt.Evaluation;
using ConVirt.Export;
using ConVirt.Interop;
using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Samples.OnnxEncoder;
using TorchSharp;
using Xunit.Abstractions;
using static ConVirt.Tests.Export.ExportFixtures;

namespace ConVirt.Tests.Export;

/// <summary>
/// ONNX exports run by ONNX Runtime (through the docs' sample, <see cref="ExportedEncoder"/>) against TorchSharp on
/// real X-rays and report sentences, batch 1 and 5: every output (h_v, v, h_u, u) within 1e-4 absolute.
/// One model per architecture: the packaged ResNet-18 variant with MiniLM (cpu-small), torchvision ResNet-18 with a
/// small BERT (through the CLI and a run folder), ResNet-50 without a text tower.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    const double Tolerance = 1e-4;
    const int Size = 64;   // small images keep the checks fast; the packaged variant needs a multiple of 32
    readonly string dir = Directory.CreateTempSubdirectory("convirt-onnx-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    /// <summary>ORT vs TorchSharp for the image graph at batch 1 and 5; returns the largest difference.</summary>
    double CompareImages(ExportedEncoder ort, ResNetEncoder image, ConVirtModel? model, float[] gray, string label)
    {
        double worst = 0;
        foreach (int batch in new[] { 1, 5 })
        {
            int channels = ort.Channels;
            var pixels = Replicate(gray.AsSpan(0, batch * Size * Size).ToArray(), batch, channels);
            var onnx = ort.EncodeImages(pixels, batch, Size, Size);
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var x = torch.tensor(pixels, [batch, channels, Size, Size]);
            var hv = Rows(image.call(x));
            double d = MaxAbsDiff(onnx["h_v"], hv);
            output.WriteLine($"{label} batch {batch}: h_v max |ORT - TorchSharp| = {d:E2} (max |h_v| {MaxAbs(hv):F3})");
            worst = Math.Max(worst, d);
            if (model is null) { Assert.False(onnx.ContainsKey("v")); continue; }
            var v = Rows(model.EncodeImage(x));
            double dv = MaxAbsDiff(onnx["v"], v);
            output.WriteLine($"{label} batch {batch}: v   max |ORT - TorchSharp| = {dv:E2} (max |v| {MaxAbs(v):F3})");
            worst = Math.Max(worst, dv);
        }
        return worst;
    }

    /// <summary>ORT (the sample's own tokenisation) vs TorchSharp (the project's tokenizer) for the text graph at batch 1 and 5.</summary>
    double CompareTexts(ExportedEncoder ort, ConVirtModel model, ConVirt.Data.Text.WordPieceTokenizer tokenizer, int maxLength, string[] sentences, string label)
    {
        double worst = 0;
        foreach (int batch in new[] { 1, 5 })
        {
            var chosen = sentences.Take(batch).ToArray();
            var encoded = tokenizer.EncodeBatch(chosen, maxLength);
            for (int b = 0; b < batch; b++)
                Assert.Equal(tokenizer.EncodeSentence(chosen[b], maxLength).Select(i => (long)i), ort.Tokenise(chosen[b]));
            var onnx = ort.EncodeTexts(chosen);
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var ids = torch.tensor(encoded.InputIds, [encoded.BatchSize, encoded.Length]);
            var mask = torch.tensor(encoded.AttentionMask, [encoded.BatchSize, encoded.Length]);
            var hu = Rows(model.TextEncoder.call(ids, mask));
            var u = Rows(model.EncodeText(ids, mask));
            double dh = MaxAbsDiff(onnx["h_u"], hu), du = MaxAbsDiff(onnx["u"], u);
            output.WriteLine($"{label} batch {batch} (length {encoded.Length}): h_u {dh:E2} (max |h_u| {MaxAbs(hu):F3}), u {du:E2} (max |u| {MaxAbs(u):F3})");
            worst = Math.Max(worst, Math.Max(dh, du));
        }
        return worst;
    }

    [Fact]
    public void PackagedResNet18AndMiniLmMatchTorchSharpOnRealInputs()
    {
        if (Images(5, Size) is not { } gray || Sentences() is not { } sentences) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        var config = ConVirtConfig.CpuSmall with { Data = ConVirtConfig.CpuSmall.Data with { ImageSize = Size } };
        torch.manual_seed(11);
        var built = ConVirt.Interop.ModelFactory.Build(config.Model);
        using var model = built.Model;
        model.eval();
        Assert.Equal(PaddingStyle.TopLeft, model.ImageEncoder.Spec.Padding);
        Assert.NotNull(model.ImageEncoder.StemOffsetSize);            // the exact gray preprocessing: mean image and stem offset in the graph
        var loaded = new LoadedEncoder("cpu-small-in-memory", model.ImageEncoder, model, built.Tokenizer, config);
        var clock = Stopwatch.StartNew();
        var result = OnnxExport.Write(loaded, Path.Combine(dir, "export"), new OnnxExportOptions());
        output.WriteLine($"export written in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", result.Files.Select(f => $"{f.Name} {f.Bytes / 1e6:F1} MB"))}");

        using var ort = new ExportedEncoder(result.Folder);
        Assert.Equal((Size, 1, 128), (ort.ImageSize, ort.Channels, ort.MaxLength));
        double image = CompareImages(ort, model.ImageEncoder, model, gray, "packaged resnet18-cntk");
        double text = CompareTexts(ort, model, built.Tokenizer, config.Model.Text.MaxLength, sentences, "MiniLM");
        Assert.True(image < Tolerance, $"image outputs differ by {image:E2}");
        Assert.True(text < Tolerance, $"text outputs differ by {text:E2}");

        // the packaged variant at its stored size: the mean image and stem offset are used unresized
        using var at224 = new ExportedEncoder(result.Folder);
        var big = Images(1, 224)!;
        var onnx = at224.EncodeImages(big, 1, 224, 224)["h_v"];
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        double d224 = MaxAbsDiff(onnx, Rows(model.ImageEncoder.call(torch.tensor(big, [1, 1, 224, 224]))));
        output.WriteLine($"packaged resnet18-cntk at 224 px (stored size of the mean image): h_v {d224:E2}");
        Assert.True(d224 < Tolerance, $"224 px h_v differs by {d224:E2}");
    }

    /// <summary>
    /// Scales each bottleneck's last batch-norm weight (bn3) by 0.2, as trained ResNets have small residual branches
    /// (torchvision's zero_init_residual starts them at 0). Random weights with batch-calibrated statistics in all 16
    /// blocks amplify float32 rounding: there TorchSharp itself is 2.4e-4 from a float64 evaluation of the same network
    /// (ONNX Runtime 1.8e-4; max |h_v| 2.9), so no float32 runner could meet 1e-4; damped, both are within 1e-6 of it.
    /// </summary>
    static void DampResidualBranches(ResNetEncoder encoder)
    {
        using var _ = torch.no_grad();
        foreach (var (key, tensor) in encoder.state_dict())
            if (key.EndsWith("bn3.weight", StringComparison.Ordinal)) tensor.mul_(0.2f);
    }

    [Fact]
    public void ResNet50WithoutTextTowerExportsTheImagePartOnly()
    {
        if (Images(5, Size) is not { } gray) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        var config = ConVirtConfig.Paper with
        {
            Method = "simclr",
            Model = ConVirtConfig.Paper.Model with { Image = new ImageEncoderOptions { Architecture = "resnet50", Weights = "none" } },
            Data = ConVirtConfig.Paper.Data with { ImageSize = Size },
        };
        torch.manual_seed(12);
        using var encoder = new ResNetEncoder(ResNetSpec.ResNet50);
        CalibrateBatchNorm(encoder, gray, 5, Size, 1);
        DampResidualBranches(encoder);
        var loaded = new LoadedEncoder("simclr-in-memory", encoder, null, null, config);

        var refused = Assert.Throws<InvalidOperationException>(() =>
            OnnxExport.Write(loaded, Path.Combine(dir, "text-only"), new OnnxExportOptions(Image: false, Text: true, RequireText: true)));
        Assert.Contains("has no text tower", refused.Message);
        Assert.Contains("simclr", refused.Message);
        Assert.False(Directory.Exists(Path.Combine(dir, "text-only")));

        var result = OnnxExport.Write(loaded, Path.Combine(dir, "export"), new OnnxExportOptions());
        Assert.Equal([OnnxExport.ImageFileName, ModelCard.FileName], result.Files.Select(f => f.Name));
        Assert.Equal([OnnxExport.ImageFileName, ModelCard.FileName], Directory.GetFiles(result.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("no text tower") && n.Contains("image part only"));
        using var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.Folder, ModelCard.FileName)));
        Assert.Equal(JsonValueKind.Null, card.RootElement.GetProperty("text").ValueKind);
        Assert.Contains("simclr", card.RootElement.GetProperty("textAbsent").GetString());
        Assert.Equal("resnet50", card.RootElement.GetProperty("image").GetProperty("architecture").GetString());

        // our own reader parses what our writer wrote: opset, dynamic batch, every state-dict tensor an initialiser
        var onnxModel = OnnxModel.Load(Path.Combine(result.Folder, OnnxExport.ImageFileName));
        Assert.Equal(OnnxExport.Opset, onnxModel.OpsetVersion);
        Assert.Equal("convirt", onnxModel.ProducerName);
        Assert.Equal(["batch", "1", "height", "width"], onnxModel.Graph.Inputs.Single().Dims);
        Assert.Equal(["h_v"], onnxModel.Graph.Outputs.Select(o => o.Name));
        var state = encoder.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        foreach (var (key, tensor) in state)
            Assert.Equal(tensor.shape, onnxModel.Graph.Initializers[key].Dims);
        Assert.Equal(53, onnxModel.Graph.Nodes.Count(n => n.OpType == "Conv"));

        using var ort = new ExportedEncoder(result.Folder);
        Assert.False(ort.HasText);
        double d = CompareImages(ort, encoder, null, gray, "resnet50");
        Assert.True(d < Tolerance, $"h_v differs by {d:E2}");
    }
}
