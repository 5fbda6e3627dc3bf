using ConVirt.Interop;
using ConVirt.Models.Vision;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Xunit.Abstractions;
using static ConVirt.Tests.Interop.InteropFixtures;

namespace ConVirt.Tests.Interop;

/// <summary>
/// The imported packaged ImageNet ResNet-18 against ONNX Runtime running the original graphs on real X-rays.
/// Tolerance: max |ours - ORT| over the pooled 512-d features below 1e-4 x max |ORT feature|.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PackagedResNetTests(ITestOutputHelper output)
{
    const int Images = 3;
    const double RelativeTolerance = 1e-4;

    // ONNX Runtime sessions and the full-pipeline reference features are shared by the tests (kept for the test run).
    static readonly Lazy<InferenceSession> Preprocess = new(() => new InferenceSession(PackagedWeights.ResNetPreprocessPath));
    static readonly Lazy<InferenceSession> Network = new(() => new InferenceSession(PackagedWeights.ResNet18Path));
    static readonly Lazy<float[][]?> Gray = new(() => PneumoniaImages(Images));
    static readonly Lazy<float[][]> FullReference = new(() => OnnxFeatures(Gray.Value!.Select(g => Stack([g], 3, 255f)).ToArray(), preprocess: true));

    /// <summary>ORT: RGB 0..255 [1, 3, 224, 224] -> preprocessing graph (optional) -> ResNet18 graph -> [512] per image.</summary>
    static float[][] OnnxFeatures(float[][] modelInputs, bool preprocess)
    {
        var prep = Preprocess.Value;
        var net = Network.Value;
        var features = new float[modelInputs.Length][];
        for (int i = 0; i < modelInputs.Length; i++)
        {
            var x = new DenseTensor<float>(modelInputs[i], [1, 3, Size, Size]);
            if (preprocess)
            {
                using var prepped = prep.Run([NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), x)]);
                x = new DenseTensor<float>(prepped.Single().AsEnumerable<float>().ToArray(), [1, 3, Size, Size]);
            }
            using var result = net.Run([NamedOnnxValue.CreateFromTensor(net.InputMetadata.Keys.Single(), x)]);
            features[i] = result.Single().AsEnumerable<float>().ToArray();
            Assert.Equal(512, features[i].Length);
        }
        return features;
    }

    static float[] Ours(ResNetEncoder encoder, float[][] gray)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = torch.tensor(Stack(gray, encoder.Spec.InChannels), [gray.Length, encoder.Spec.InChannels, Size, Size]);
        return encoder.call(x).data<float>().ToArray();
    }

    static double RelativeError(float[] ours, float[][] reference)
    {
        var flat = reference.SelectMany(r => r).ToArray();
        return MaxAbsDiff(ours, flat) / MaxAbs(flat);
    }

    [Fact]
    public void PackagedFilesAreCopiedNextToTheTestBinary()
    {
        Assert.True(PackagedWeights.IsAvailable, "weights/ missing in " + AppContext.BaseDirectory);
        Assert.Equal(63653533, new FileInfo(PackagedWeights.ResNet18Path).Length);
    }

    [Fact]
    public void MissingFilesGiveAnErrorNamingThePath()
    {
        var dir = Directory.CreateTempSubdirectory("convirt-weights-").FullName;
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => PackagedWeights.LoadImageNetResNet18From(dir, 3));
            Assert.Contains(Path.Combine(dir, "ResNet18.onnx"), e.Message);
            Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ImportedGraphHasTheCntkArchitectureAndPreprocessing()
    {
        var prep = OnnxModel.Load(PackagedWeights.ResNetPreprocessPath).Graph;
        Assert.Equal(["Split", "Concat", "Sub"], prep.Nodes.Select(n => n.OpType));
        var net = OnnxModel.Load(PackagedWeights.ResNet18Path);
        Assert.Equal("CNTK", net.ProducerName);
        var convs = net.Graph.Nodes.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(22, convs.Count);                                            // stem + 9 blocks x 2 + 3 projections
        Assert.Equal(3, convs.Count(c => c.Ints("kernel_shape", [])[0] == 1));
        Assert.Equal(22, net.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
        Assert.Equal([3L, 3, 2, 2], convs[0].Ints("pads", []));

        using var encoder = PackagedWeights.LoadImageNetResNet18(3);
        Assert.Equal([2, 2, 2, 3], encoder.Spec.Layers);
        Assert.Equal(PaddingStyle.TopLeft, encoder.Spec.Padding);
        Assert.Equal([0f, 0f, 0f], encoder.InputMean);
        Assert.All(encoder.InputStd, s => Assert.Equal(1f / 255f, s));
        Assert.Equal((224, 224), encoder.InputMeanImageSize);
        // conv1 input channel 0 is R = the ONNX weight's channel 2 (B, G, R order there).
        var onnxConv1 = net.Graph.Initializers[convs[0].Inputs[1]].ToFloats();
        using var ours = encoder.state_dict()["conv1.weight"].contiguous();
        var oursData = ours.data<float>().ToArray();
        Assert.Equal(onnxConv1[2 * 49], oursData[0]);
        Assert.Equal(onnxConv1[0], oursData[2 * 49]);
    }

    [Fact]
    public void RgbEncoderMatchesTheOriginalGraphsOnRealImages()
    {
        if (Gray.Value is not { } gray) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        using var encoder = PackagedWeights.LoadImageNetResNet18(3);
        var reference = FullReference.Value;
        double error = RelativeError(Ours(encoder, gray), reference);
        output.WriteLine($"3-channel vs preprocess+ResNet18 (ORT): max abs diff / max |feature| = {error:E2}; max |feature| = {MaxAbs(reference.SelectMany(r => r).ToArray()):F3}");
        Assert.True(error < RelativeTolerance, $"relative error {error:E2}");
    }

    [Fact]
    public void GrayEncoderMatchesTheOriginalGraphsOnGrayImagesReplicatedToRgb()
    {
        if (Gray.Value is not { } gray) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        using var encoder = PackagedWeights.LoadImageNetResNet18(1);
        Assert.Equal((112, 112), encoder.StemOffsetSize);
        var reference = FullReference.Value;
        double error = RelativeError(Ours(encoder, gray), reference);
        output.WriteLine($"1-channel (exact gray preprocessing) vs preprocess+ResNet18 (ORT): relative error {error:E2}");
        Assert.True(error < RelativeTolerance, $"relative error {error:E2}");
    }

    [Fact]
    public void GrayEncoderWithoutStemOffsetIsTheNetworkOnGrayMinusTheColourAveragedMeanImage()
    {
        if (Gray.Value is not { } gray) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        using var encoder = PackagedWeights.LoadImageNetResNet18(1, exactGrayPreprocessing: false);
        Assert.Null(encoder.StemOffsetSize);
        var meanGray = encoder.GetInputMeanImage()!;
        // The network's input for a gray image when all three channels subtract the same (colour-averaged) mean.
        var inputs = gray.Select(g => Stack([g.Select((v, i) => 255f * v - meanGray[i]).ToArray()], 3)).ToArray();
        double error = RelativeError(Ours(encoder, gray), OnnxFeatures(inputs, preprocess: false));
        output.WriteLine($"1-channel (colour-averaged mean image) vs ResNet18 on (255x - colour-mean image) x 3 (ORT): relative error {error:E2}");
        Assert.True(error < RelativeTolerance, $"relative error {error:E2}");

        // Against the original preprocessing it differs by the colour spread of the mean image.
        var full = FullReference.Value;
        double approximation = RelativeError(Ours(encoder, gray), full);
        output.WriteLine($"1-channel (colour-averaged mean image) vs preprocess+ResNet18 (ORT): relative error {approximation:E2}");
        Assert.True(approximation > 0.01 && approximation < 0.5, $"relative error {approximation:E2}");
    }

    [Fact]
    public void ExportedPackagedEncoderReloadsWithItsPreprocessing()
    {
        using var source = PackagedWeights.LoadImageNetResNet18(1);
        var dir = Directory.CreateTempSubdirectory("convirt-export-").FullName;
        try
        {
            var path = Path.Combine(dir, "gray.safetensors");
            WeightExport.SaveImageEncoder(source, path);
            Assert.True(File.Exists(Path.Combine(dir, "gray.preprocess.safetensors")));
            using var target = new ResNetEncoder(ResNetSpec.ResNet18Cntk);
            TorchWeights.LoadResNet(path, target);
            target.eval();
            Assert.Equal(source.InputStd, target.InputStd);
            Assert.Equal((112, 112), target.StemOffsetSize);
            torch.manual_seed(11);
            var x = torch.rand(1, 1, Size, Size).data<float>().ToArray();
            Assert.Equal(Ours(source, [x]), Ours(target, [x]));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void PerChannelConstantMeanIsAnApproximationOfTheMeanImage()
    {
        if (Gray.Value is not { } gray) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        using var encoder = PackagedWeights.LoadImageNetResNet18(3);
        var image = encoder.GetInputMeanImage()!;
        int plane = Size * Size;
        var channelMean = Enumerable.Range(0, 3).Select(c => (float)(image.Skip(c * plane).Take(plane).Average(v => (double)v) / 255.0)).ToArray();
        // ImageNet's BGR means 103.06/115.90/123.15 seen as RGB in [0, 1].
        Assert.Equal(123.15163 / 255, channelMean[0], 4);
        Assert.Equal(103.06262 / 255, channelMean[2], 4);
        encoder.SetInputMeanImage(null, 0, 0);
        encoder.SetInputNormalization(channelMean, [1 / 255f, 1 / 255f, 1 / 255f]);
        var full = FullReference.Value;
        double error = RelativeError(Ours(encoder, gray), full);
        output.WriteLine($"3-channel with per-channel constant mean vs preprocess+ResNet18 (ORT): relative error {error:E2}");
        Assert.True(error > RelativeTolerance && error < 0.1, $"relative error {error:E2}");
    }
}
