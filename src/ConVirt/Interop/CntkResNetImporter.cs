using System.Globalization;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Interop;

/// <summary>
/// Imports the CNTK-exported ImageNet ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 into a
/// <see cref="ResNetEncoder"/> built from <see cref="ResNetSpec.ResNet18Cntk"/>.
/// </summary>
/// <remarks>
/// The graph is walked from its input, not matched by node names: stem Conv 7x7/2 (pads [3,3,2,2]) -> BN -> Relu ->
/// MaxPool 3x3/2 (pads [1,1,0,0]); then basic blocks Conv3x3 -> BN -> Relu -> Conv3x3 -> BN -> Add(identity or
/// Conv1x1/2 -> BN) -> Relu; then AveragePool 7x7. Convolutions have no bias and batch norms are separate nodes
/// (epsilon 1e-5), so every tensor maps one-to-one onto a torchvision-named parameter or running statistic.
/// The preprocessing graph (RGB 0..255 -> BGR, minus a 3x224x224 mean image) becomes the encoder's input
/// normalisation: mean 0, std 1/255 per channel, then the mean image, with conv1's input channels reordered
/// BGR -> RGB. For one input channel conv1 is summed over colour and the mean image averaged over colour.
/// </remarks>
internal static class CntkResNetImporter
{
    private const double BatchNormEpsilon = 1e-5;

    public static ResNetEncoder Import(OnnxModel network, OnnxModel preprocess, int inChannels, bool exactGray, string sourceName)
    {
        if (inChannels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(inChannels), "input channels must be 1 or 3");
        var spec = ResNetSpec.ResNet18Cntk with { InChannels = inChannels };
        var (meanImage, height, width) = ReadPreprocessing(preprocess.Graph, sourceName);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var layers = ReadNetwork(network.Graph, state, sourceName);
            if (!layers.SequenceEqual(spec.Layers))
                throw new InvalidDataException($"{sourceName}: stages have {string.Join("-", layers)} blocks, expected {string.Join("-", spec.Layers)}");

            // conv1 [64, 3 (B, G, R), 7, 7] -> RGB order; grayscale: summed over colour (exact for equal channels).
            var conv1 = state["conv1.weight"];
            state["conv1.weight"] = inChannels == 3 ? conv1.flip(1) : conv1.sum(1, keepdim: true);
            float[]? stemOffset = inChannels == 1 && exactGray ? ColourSpreadResponse(conv1, meanImage, height, width) : null;
            conv1.Dispose();

            var encoder = new ResNetEncoder(spec);
            try
            {
                StateDictLoader.Load(encoder, state, sourceName, key => key.EndsWith("num_batches_tracked", StringComparison.Ordinal));
                encoder.SetInputNormalization(Enumerable.Repeat(0f, inChannels).ToArray(), Enumerable.Repeat(1f / 255f, inChannels).ToArray());
                encoder.SetInputMeanImage(ToEncoderOrder(meanImage, height * width, inChannels), height, width);
                if (stemOffset is not null) encoder.SetStemOffset(stemOffset, (height + 1) / 2, (width + 1) / 2);
                encoder.eval();
                return encoder;
            }
            catch
            {
                encoder.Dispose();
                throw;
            }
        }
        finally
        {
            StateDictLoader.DisposeAll(state.Values);
        }
    }

    /// <summary>
    /// For a gray image g (all colour channels equal) the original network computes
    /// <c>Σ_c W_c ∗ pad(255g - M_c) = W_sum ∗ pad(255g - m) - Σ_c W_c ∗ pad(M_c - m)</c> with m the colour average
    /// of the mean image M. The 1-channel encoder computes the first term; this returns the second,
    /// [64, H/2, W/2], which the encoder subtracts after conv1 (padding as the stem's: top/left 3, bottom/right 2).
    /// </summary>
    private static float[] ColourSpreadResponse(Tensor conv1Bgr, float[] meanBgr, int height, int width)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var mean = torch.tensor(meanBgr, [1L, 3, height, width]);
        var spread = mean - mean.mean([1L], keepdim: true);
        var padded = nn.functional.pad(spread, [3L, 2, 3, 2]);
        var response = nn.functional.conv2d(padded, conv1Bgr, strides: [2L, 2]);
        return response.contiguous().data<float>().ToArray();
    }

    /// <summary>BGR mean image [3, H*W] -> RGB order, or its channel average for one input channel.</summary>
    private static float[] ToEncoderOrder(float[] bgr, int plane, int inChannels)
    {
        var result = new float[inChannels * plane];
        for (int i = 0; i < plane; i++)
        {
            if (inChannels == 3)
            {
                result[i] = bgr[2 * plane + i];
                result[plane + i] = bgr[plane + i];
                result[2 * plane + i] = bgr[i];
            }
            else result[i] = (bgr[i] + bgr[plane + i] + bgr[2 * plane + i]) / 3f;
        }
        return result;
    }

    /// <summary>Checks the preprocessing graph is Split(R, G, B) -> Concat(B, G, R) -> Sub(mean image) and returns the image.</summary>
    private static (float[] MeanImage, int Height, int Width) ReadPreprocessing(OnnxGraph graph, string sourceName)
    {
        string Fail(string what) => throw new InvalidDataException($"{sourceName}: unexpected preprocessing graph ({what})");
        if (graph.Inputs.Count != 1) Fail($"{graph.Inputs.Count} inputs");
        var split = graph.ConsumersOf(graph.Inputs[0].Name).SingleOrDefault() ?? throw new InvalidDataException($"{sourceName}: preprocessing input is unused");
        if (split.OpType != "Split" || split.Attribute("axis")?.Int != 1 || split.Outputs.Count != 3) Fail("first node is not a 3-way channel split");
        var concat = graph.ConsumersOf(split.Outputs[0]).SingleOrDefault();
        if (concat is null || concat.OpType != "Concat" || concat.Attribute("axis")?.Int != 1
            || !concat.Inputs.SequenceEqual([split.Outputs[2], split.Outputs[1], split.Outputs[0]])) Fail("channels are not reversed RGB -> BGR");
        var sub = graph.ConsumersOf(concat!.Outputs[0]).SingleOrDefault();
        if (sub is null || sub.OpType != "Sub" || sub.Inputs[0] != concat.Outputs[0]) Fail("no mean subtraction after the channel swap");
        var mean = graph.ConstantOf(sub!.Inputs[1]) ?? throw new InvalidDataException($"{sourceName}: the subtracted mean is not a constant");
        if (mean.Dims.Count != 4 || mean.Dims[0] != 1 || mean.Dims[1] != 3) Fail($"mean has shape [{string.Join(", ", mean.Dims)}]");
        if (!graph.Outputs.Any(o => o.Name == sub.Outputs[0])) Fail("the subtraction is not the graph output");
        return (mean.ToFloats(), (int)mean.Dims[2], (int)mean.Dims[3]);
    }

    /// <summary>Walks the network, filling torchvision-named tensors; returns blocks per stage.</summary>
    private static List<int> ReadNetwork(OnnxGraph graph, Dictionary<string, Tensor> state, string sourceName)
    {
        if (graph.Inputs.Count(i => !graph.Initializers.ContainsKey(i.Name)) != 1)
            throw new InvalidDataException($"{sourceName}: expected one image input");
        string input = graph.Inputs.First(i => !graph.Initializers.ContainsKey(i.Name)).Name;

        var stem = Only(graph, input, "Conv", sourceName);
        Expect(stem, 7, 2, [3, 3, 2, 2], sourceName);
        var x = ConvBn(graph, stem, "conv1", "bn1", state, sourceName);
        x = Only(graph, x, "Relu", sourceName).Outputs[0];
        var pool = Only(graph, x, "MaxPool", sourceName);
        ExpectWindow(pool, 3, 2, [1, 1, 0, 0], sourceName);
        x = pool.Outputs[0];

        var layers = new List<int>();
        long planes = 64;
        while (true)
        {
            var convs = graph.ConsumersOf(x).Where(n => n.OpType == "Conv").ToList();
            if (convs.Count == 0) break;
            var main = convs.SingleOrDefault(c => Kernel(c) == 3) ?? throw new InvalidDataException($"{sourceName}: block input '{x}' has no 3x3 convolution");
            var shortcut = convs.SingleOrDefault(c => Kernel(c) == 1);
            if (convs.Count != (shortcut is null ? 1 : 2)) throw new InvalidDataException($"{sourceName}: block input '{x}' feeds {convs.Count} convolutions");
            long blockPlanes = WeightOf(graph, main, sourceName).Dims[0];
            if (layers.Count == 0 || blockPlanes != planes) layers.Add(0);
            planes = blockPlanes;
            int stage = layers.Count, index = layers[^1]++;
            string prefix = string.Create(CultureInfo.InvariantCulture, $"layer{stage}.{index}.");
            bool downsamples = stage > 1 && index == 0;
            Expect(main, 3, downsamples ? 2 : 1, downsamples ? [1, 1, 0, 0] : [1, 1, 1, 1], sourceName);
            var h = ConvBn(graph, main, prefix + "conv1", prefix + "bn1", state, sourceName);
            h = Only(graph, h, "Relu", sourceName).Outputs[0];
            var second = Only(graph, h, "Conv", sourceName);
            Expect(second, 3, 1, [1, 1, 1, 1], sourceName);
            h = ConvBn(graph, second, prefix + "conv2", prefix + "bn2", state, sourceName);
            string identity = x;
            if (shortcut is not null)
            {
                Expect(shortcut, 1, downsamples ? 2 : 1, [0, 0, 0, 0], sourceName);
                identity = ConvBn(graph, shortcut, prefix + "downsample.0", prefix + "downsample.1", state, sourceName);
            }
            var add = Only(graph, h, "Add", sourceName);
            if (!add.Inputs.OrderBy(s => s, StringComparer.Ordinal).SequenceEqual(new[] { h, identity }.OrderBy(s => s, StringComparer.Ordinal)))
                throw new InvalidDataException($"{sourceName}: residual Add '{add.Name}' does not join '{h}' and '{identity}'");
            x = Only(graph, add.Outputs[0], "Relu", sourceName).Outputs[0];
        }
        var average = Only(graph, x, "AveragePool", sourceName);
        ExpectWindow(average, 7, 1, [0, 0, 0, 0], sourceName);
        if (!graph.Outputs.Any(o => o.Name == average.Outputs[0]))
            throw new InvalidDataException($"{sourceName}: the average pool is not the graph output");
        return layers;
    }

    private static OnnxNode Only(OnnxGraph graph, string value, string opType, string sourceName)
    {
        var consumers = graph.ConsumersOf(value).Where(n => n.OpType == opType).ToList();
        return consumers.Count == 1 ? consumers[0]
            : throw new InvalidDataException($"{sourceName}: expected one {opType} after '{value}', found {consumers.Count}");
    }

    private static long Kernel(OnnxNode conv) => conv.Ints("kernel_shape", [0])[0];

    private static OnnxTensor WeightOf(OnnxGraph graph, OnnxNode conv, string sourceName) =>
        graph.ConstantOf(conv.Inputs[1]) ?? throw new InvalidDataException($"{sourceName}: convolution '{conv.Name}' has no constant weight");

    private static void Expect(OnnxNode conv, long kernel, long stride, long[] pads, string sourceName)
    {
        ExpectWindow(conv, kernel, stride, pads, sourceName);
        if ((conv.Attribute("group")?.Int ?? 1) != 1 || conv.Ints("dilations", [1, 1]).Any(d => d != 1))
            throw new InvalidDataException($"{sourceName}: convolution '{conv.Name}' is grouped or dilated");
        if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0)
            throw new InvalidDataException($"{sourceName}: convolution '{conv.Name}' has a bias; the encoder's convolutions have none");
    }

    private static void ExpectWindow(OnnxNode node, long kernel, long stride, long[] pads, string sourceName)
    {
        var k = node.Ints("kernel_shape", []);
        var s = node.Ints("strides", [1, 1]);
        var p = node.Ints("pads", [0, 0, 0, 0]);
        var autoPad = node.Attribute("auto_pad")?.String ?? "NOTSET";
        if (!k.SequenceEqual([kernel, kernel]) || !s.SequenceEqual([stride, stride]) || !p.SequenceEqual(pads) || autoPad != "NOTSET")
            throw new InvalidDataException(
                $"{sourceName}: {node.OpType} '{node.Name}' has kernel [{string.Join(",", k)}], strides [{string.Join(",", s)}], pads [{string.Join(",", p)}], " +
                $"expected kernel {kernel}, stride {stride}, pads [{string.Join(",", pads)}]");
    }

    /// <summary>Reads a convolution and the batch norm consuming it into <paramref name="state"/>; returns the BN output.</summary>
    private static string ConvBn(OnnxGraph graph, OnnxNode conv, string convName, string bnName, Dictionary<string, Tensor> state, string sourceName)
    {
        state[convName + ".weight"] = ToTensor(WeightOf(graph, conv, sourceName));
        var bn = Only(graph, conv.Outputs[0], "BatchNormalization", sourceName);
        double epsilon = bn.Attribute("epsilon")?.Float ?? 1e-5f;
        if (Math.Abs(epsilon - BatchNormEpsilon) > 1e-9)
            throw new InvalidDataException($"{sourceName}: batch norm '{bn.Name}' has epsilon {epsilon}, the encoder uses {BatchNormEpsilon}");
        string[] fields = ["weight", "bias", "running_mean", "running_var"];
        for (int i = 0; i < 4; i++)
        {
            var value = graph.ConstantOf(bn.Inputs[i + 1]) ?? throw new InvalidDataException($"{sourceName}: batch norm '{bn.Name}' input {i + 1} is not constant");
            state[$"{bnName}.{fields[i]}"] = ToTensor(value);
        }
        return bn.Outputs[0];
    }

    private static Tensor ToTensor(OnnxTensor value) => torch.tensor(value.ToFloats(), value.Dims.ToArray(), dtype: ScalarType.Float32);
}
