using System.Globalization;
using ConVirt.Models.Vision;
using TorchSharp.Modules;

namespace ConVirt.Inference;

/// <summary>
/// The image tower as an ONNX graph: input <c>image</c> [batch, C, height, width] in [0, 1]; the encoder's
/// input normalisation (per-channel mean/std, mean image, stem offset: everything <see cref="ResNetEncoder"/>
/// does before and around conv1) inside the graph; outputs <c>h_v</c> [batch, 512|2048] and, with a projection
/// head, <c>v</c> [batch, d]. Batch norm in inference form (running statistics, epsilon 1e-5).
/// </summary>
internal static class ResNetOnnxGraph
{
    /// <summary>Name of the image input.</summary>
    public const string Input = "image";
    /// <summary>Name of the pooled features output.</summary>
    public const string FeaturesOutput = "h_v";
    /// <summary>Name of the projected output.</summary>
    public const string ProjectionOutput = "v";
    private const float BatchNormEpsilon = 1e-5f;   // nn.BatchNorm2d's default, which every block uses

    /// <summary>
    /// Adds the tower to <paramref name="graph"/>. With <paramref name="expandToRgb"/> a 1-channel encoder takes
    /// 3 channels (conv1 weights / 3, normalisation replicated), which gives its output for a gray image replicated to RGB.
    /// </summary>
    public static void Add(OnnxGraphBuilder graph, ResNetEncoder encoder, Sequential? projection, bool expandToRgb = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(encoder);
        var spec = encoder.Spec;
        int factor = expandToRgb && spec.InChannels == 1 ? 3 : 1;
        int channels = spec.InChannels * factor;
        var state = new StateTensors(encoder, "image encoder");
        var x = graph.AddInput(Input, OnnxGraphBuilder.Float, "batch", channels.ToString(CultureInfo.InvariantCulture), "height", "width");

        var h = Normalise(graph, encoder, x, channels, factor);
        var (conv1, conv1Dims) = state.Get("conv1.weight");
        if (factor == 3) (conv1, conv1Dims) = (ExpandConv1(conv1, conv1Dims), [conv1Dims[0], 3, conv1Dims[2], conv1Dims[3]]);
        bool topLeft = spec.Padding == PaddingStyle.TopLeft;
        h = graph.AddNode("Conv", [h, graph.AddInitializer("conv1.weight", conv1, conv1Dims)], null,
            OnnxAttributeValue.Ints("kernel_shape", 7, 7), OnnxAttributeValue.Ints("strides", 2, 2),
            OnnxAttributeValue.Ints("pads", topLeft ? [3, 3, 2, 2] : [3, 3, 3, 3]));
        if (encoder.GetStemOffset() is { } offset && encoder.StemOffsetSize is var (sh, sw))
            h = graph.AddNode("Sub", [h, Resized(graph, "stem_offset", offset, spec.Width, sh, sw, h)]);
        h = graph.AddNode("Relu", [BatchNorm(graph, state, "bn1", h)]);
        h = graph.AddNode("MaxPool", [h], null, OnnxAttributeValue.Ints("kernel_shape", 3, 3), OnnxAttributeValue.Ints("strides", 2, 2),
            OnnxAttributeValue.Ints("pads", topLeft ? [1, 1, 0, 0] : [1, 1, 1, 1]));
        for (int stage = 0; stage < 4; stage++)
            for (int block = 0; block < spec.Layers[stage]; block++)
            {
                string prefix = string.Create(CultureInfo.InvariantCulture, $"layer{stage + 1}.{block}.");
                long stride = stage > 0 && block == 0 ? 2 : 1;
                h = spec.Block == ResNetBlockKind.Bottleneck
                    ? Bottleneck(graph, state, prefix, h, stride, topLeft)
                    : Basic(graph, state, prefix, h, stride, topLeft);
            }
        var pooled = graph.AddNode("GlobalAveragePool", [h]);
        var features = graph.AddNode("Flatten", [pooled], FeaturesOutput, OnnxAttributeValue.Int("axis", 1));
        graph.AddOutput(features, OnnxGraphBuilder.Float, "batch", spec.FeatureDim.ToString(CultureInfo.InvariantCulture));
        if (projection is null) return;
        var v = ProjectionOnnxGraph.Add(graph, projection, "image_projection.", features, ProjectionOutput);
        graph.AddOutput(v, OnnxGraphBuilder.Float, "batch", ProjectionWidth(projection).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Output width of a projection head (rows of its last weight).</summary>
    internal static long ProjectionWidth(Sequential projection) => new StateTensors(projection, "projection").Get("2.bias").Dims[0];

    // (x - mean) / std per channel, then minus the mean image resized to the input (ResNetEncoder.Normalise).
    private static string Normalise(OnnxGraphBuilder graph, ResNetEncoder encoder, string x, int channels, int factor)
    {
        var mean = Repeat(encoder.InputMean.ToArray(), factor);
        var std = Repeat(encoder.InputStd.ToArray(), factor);
        var h = graph.AddNode("Sub", [x, graph.AddInitializer("input_mean", mean, [1, channels, 1, 1])]);
        h = graph.AddNode("Div", [h, graph.AddInitializer("input_std", std, [1, channels, 1, 1])]);
        if (encoder.GetInputMeanImage() is { } image && encoder.InputMeanImageSize is var (mh, mw))
            h = graph.AddNode("Sub", [h, Resized(graph, "mean_image", Repeat(image, factor), channels, mh, mw, x)]);
        return h;
    }

    // A constant [1, C, h, w] resized bilinearly (half-pixel centres = PyTorch's align_corners=False) to the spatial
    // size of `like`; at the stored size Resize is the identity.
    private static string Resized(OnnxGraphBuilder graph, string name, float[] values, long channels, int height, int width, string like)
    {
        var constant = graph.AddInitializer(name, values, [1, channels, height, width]);
        var spatial = graph.AddNode("Shape", [like], null, OnnxAttributeValue.Int("start", 2));
        var sizes = graph.AddNode("Concat", [graph.Int64s(1, channels), spatial], null, OnnxAttributeValue.Int("axis", 0));
        return graph.AddNode("Resize", [constant, "", "", sizes], null,
            OnnxAttributeValue.String("mode", "linear"), OnnxAttributeValue.String("coordinate_transformation_mode", "half_pixel"));
    }

    private static string Basic(OnnxGraphBuilder graph, StateTensors state, string prefix, string x, long stride, bool topLeft)
    {
        var h = graph.AddNode("Relu", [BatchNorm(graph, state, prefix + "bn1", Conv(graph, state, prefix + "conv1", x, 3, stride, topLeft))]);
        h = BatchNorm(graph, state, prefix + "bn2", Conv(graph, state, prefix + "conv2", h, 3, 1, topLeft));
        return graph.AddNode("Relu", [graph.AddNode("Add", [h, Shortcut(graph, state, prefix, x, stride)])]);
    }

    private static string Bottleneck(OnnxGraphBuilder graph, StateTensors state, string prefix, string x, long stride, bool topLeft)
    {
        var h = graph.AddNode("Relu", [BatchNorm(graph, state, prefix + "bn1", Conv(graph, state, prefix + "conv1", x, 1, 1, topLeft))]);
        h = graph.AddNode("Relu", [BatchNorm(graph, state, prefix + "bn2", Conv(graph, state, prefix + "conv2", h, 3, stride, topLeft))]);
        h = BatchNorm(graph, state, prefix + "bn3", Conv(graph, state, prefix + "conv3", h, 1, 1, topLeft));
        return graph.AddNode("Relu", [graph.AddNode("Add", [h, Shortcut(graph, state, prefix, x, stride)])]);
    }

    private static string Shortcut(OnnxGraphBuilder graph, StateTensors state, string prefix, string x, long stride) =>
        state.Contains(prefix + "downsample.0.weight")
            ? BatchNorm(graph, state, prefix + "downsample.1", Conv(graph, state, prefix + "downsample.0", x, 1, stride, false))
            : x;

    // kernel 3: symmetric padding 1, or in the top/left style (stride 2) 1 before and 0 after (ConvPadding).
    private static string Conv(OnnxGraphBuilder graph, StateTensors state, string name, string x, long kernel, long stride, bool topLeft)
    {
        long[] pads = kernel == 1 ? [0, 0, 0, 0] : topLeft && stride > 1 ? [1, 1, 0, 0] : [1, 1, 1, 1];
        return graph.AddNode("Conv", [x, state.Add(graph, name + ".weight")], null,
            OnnxAttributeValue.Ints("kernel_shape", kernel, kernel), OnnxAttributeValue.Ints("strides", stride, stride),
            OnnxAttributeValue.Ints("pads", pads));
    }

    private static string BatchNorm(OnnxGraphBuilder graph, StateTensors state, string name, string x) =>
        graph.AddNode("BatchNormalization",
            [x, state.Add(graph, name + ".weight"), state.Add(graph, name + ".bias"), state.Add(graph, name + ".running_mean"), state.Add(graph, name + ".running_var")],
            null, OnnxAttributeValue.Float("epsilon", BatchNormEpsilon));

    // [64, 1, 7, 7] -> [64, 3, 7, 7] = weight / 3 per channel (WeightExport's --rgb).
    private static float[] ExpandConv1(float[] w, long[] dims)
    {
        long outChannels = dims[0], plane = dims[2] * dims[3];
        var result = new float[w.Length * 3];
        for (long o = 0; o < outChannels; o++)
            for (int c = 0; c < 3; c++)
                for (long i = 0; i < plane; i++) result[(o * 3 + c) * plane + i] = w[o * plane + i] / 3f;
        return result;
    }

    private static float[] Repeat(float[] values, int times) =>
        times == 1 ? values : Enumerable.Range(0, times).SelectMany(_ => values).ToArray();
}
