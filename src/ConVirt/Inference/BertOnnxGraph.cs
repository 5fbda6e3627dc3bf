using System.Globalization;
using ConVirt.Models.Text;
using TorchSharp.Modules;

namespace ConVirt.Inference;

/// <summary>
/// The text tower as an ONNX graph: inputs <c>input_ids</c> and <c>attention_mask</c> [batch, sequence] (int64;
/// mask 1 for tokens, 0 for padding; token type 0 throughout, as in training); outputs <c>h_u</c> [batch, H], the
/// masked max-pool of the last layer's token vectors (<see cref="MaskedMaxPool"/>: padding never wins, an
/// all-padding row gives 0), and, with a projection head, <c>u</c> [batch, d]. Exact (erf) GELU, LayerNormalization
/// (opset 17), attention masked additively with -1e9 as <see cref="BertTextEncoder"/> does.
/// </summary>
internal static class BertOnnxGraph
{
    /// <summary>Name of the token ids input.</summary>
    public const string IdsInput = "input_ids";
    /// <summary>Name of the mask input.</summary>
    public const string MaskInput = "attention_mask";
    /// <summary>Name of the pooled features output.</summary>
    public const string FeaturesOutput = "h_u";
    /// <summary>Name of the projected output.</summary>
    public const string ProjectionOutput = "u";

    /// <summary>Adds the tower to <paramref name="graph"/>.</summary>
    public static void Add(OnnxGraphBuilder graph, BertTextEncoder encoder, Sequential? projection)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(encoder);
        var spec = encoder.Spec;
        var state = new StateTensors(encoder, "text encoder");
        var ids = graph.AddInput(IdsInput, OnnxGraphBuilder.Int64, "batch", "sequence");
        var mask = graph.AddInput(MaskInput, OnnxGraphBuilder.Int64, "batch", "sequence");

        var x = Embeddings(graph, state, spec, ids);
        // [B, 1, 1, L]: 0 where attended, -1e9 where padding
        var maskFloat = graph.AddNode("Cast", [mask], null, OnnxAttributeValue.Int("to", OnnxGraphBuilder.Float));
        var additive = graph.AddNode("Mul", [graph.AddNode("Sub", [graph.Scalar(1f), maskFloat]), graph.Scalar(-1e9f)]);
        additive = graph.AddNode("Unsqueeze", [additive, graph.Int64s(1, 2)]);
        for (int layer = 0; layer < spec.NumLayers; layer++)
            x = Layer(graph, state, spec, string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{layer}."), x, additive);

        var features = MaskedMaxPool(graph, x, mask);
        graph.AddOutput(features, OnnxGraphBuilder.Float, "batch", spec.HiddenSize.ToString(CultureInfo.InvariantCulture));
        if (projection is null) return;
        var u = ProjectionOnnxGraph.Add(graph, projection, "text_projection.", features, ProjectionOutput);
        graph.AddOutput(u, OnnxGraphBuilder.Float, "batch", ResNetOnnxGraph.ProjectionWidth(projection).ToString(CultureInfo.InvariantCulture));
    }

    // word + position (0..L-1) + token type 0, then LayerNorm
    private static string Embeddings(OnnxGraphBuilder graph, StateTensors state, BertSpec spec, string ids)
    {
        const string prefix = "embeddings.";
        var words = graph.AddNode("Gather", [state.Add(graph, prefix + "word_embeddings.weight"), ids], null, OnnxAttributeValue.Int("axis", 0));
        var length = graph.AddNode("Shape", [ids], null, OnnxAttributeValue.Int("start", 1), OnnxAttributeValue.Int("end", 2));
        var positions = graph.AddNode("Slice", [state.Add(graph, prefix + "position_embeddings.weight"), graph.Int64s(0), length, graph.Int64s(0)]);
        var (types, _) = state.Get(prefix + "token_type_embeddings.weight");
        var typeZero = graph.AddInitializer(prefix + "token_type_embeddings.weight[0]", types.AsSpan(0, spec.HiddenSize), [spec.HiddenSize]);
        var sum = graph.AddNode("Add", [graph.AddNode("Add", [words, positions]), typeZero]);
        return LayerNorm(graph, state, spec, prefix + "LayerNorm", sum);
    }

    private static string Layer(OnnxGraphBuilder graph, StateTensors state, BertSpec spec, string prefix, string x, string additive)
    {
        long heads = spec.NumHeads, width = spec.HiddenSize / spec.NumHeads;
        string Heads(string name, long[] perm) =>
            graph.AddNode("Transpose", [graph.AddNode("Reshape", [Dense(graph, state, prefix + "attention.self." + name, x), graph.Int64s(0, 0, heads, width)])],
                null, OnnxAttributeValue.Ints("perm", perm));
        var q = Heads("query", [0, 2, 1, 3]);          // [B, nh, L, d]
        var k = Heads("key", [0, 2, 3, 1]);            // [B, nh, d, L]
        var v = Heads("value", [0, 2, 1, 3]);
        var scores = graph.AddNode("Mul", [graph.AddNode("MatMul", [q, k]), graph.Scalar((float)(1.0 / Math.Sqrt(width)))]);
        var probabilities = graph.AddNode("Softmax", [graph.AddNode("Add", [scores, additive])], null, OnnxAttributeValue.Int("axis", -1));
        var context = graph.AddNode("Transpose", [graph.AddNode("MatMul", [probabilities, v])], null, OnnxAttributeValue.Ints("perm", 0, 2, 1, 3));
        context = graph.AddNode("Reshape", [context, graph.Int64s(0, 0, spec.HiddenSize)]);
        var attention = Residual(graph, state, spec, prefix + "attention.output.", context, x);
        var intermediate = Gelu(graph, Dense(graph, state, prefix + "intermediate.dense", attention));
        return Residual(graph, state, spec, prefix + "output.", intermediate, attention);
    }

    // LayerNorm(dense(hidden) + residual): BertSelfOutput / BertOutput
    private static string Residual(OnnxGraphBuilder graph, StateTensors state, BertSpec spec, string prefix, string hidden, string residual) =>
        LayerNorm(graph, state, spec, prefix + "LayerNorm", graph.AddNode("Add", [Dense(graph, state, prefix + "dense", hidden), residual]));

    // x Wᵀ + b over the last axis (MatMul broadcasts over [B, L])
    private static string Dense(OnnxGraphBuilder graph, StateTensors state, string name, string x) =>
        graph.AddNode("Add", [graph.AddNode("MatMul", [x, state.AddTransposed(graph, name + ".weight")]), state.Add(graph, name + ".bias")]);

    // x · 0.5 · (1 + erf(x / √2))
    private static string Gelu(OnnxGraphBuilder graph, string x)
    {
        var erf = graph.AddNode("Erf", [graph.AddNode("Div", [x, graph.Scalar(MathF.Sqrt(2f))])]);
        return graph.AddNode("Mul", [graph.AddNode("Mul", [x, graph.Scalar(0.5f)]), graph.AddNode("Add", [erf, graph.Scalar(1f)])]);
    }

    private static string LayerNorm(OnnxGraphBuilder graph, StateTensors state, BertSpec spec, string name, string x) =>
        graph.AddNode("LayerNormalization", [x, state.Add(graph, name + ".weight"), state.Add(graph, name + ".bias")], null,
            OnnxAttributeValue.Int("axis", -1), OnnxAttributeValue.Float("epsilon", (float)spec.LayerNormEps));

    // max over real tokens (padding filled with -inf), 0 for a row without tokens
    private static string MaskedMaxPool(OnnxGraphBuilder graph, string tokens, string mask)
    {
        var padding = graph.AddNode("Unsqueeze", [graph.AddNode("Equal", [mask, graph.Int64s(0)]), graph.Int64s(2)]);   // [B, L, 1]
        var filled = graph.AddNode("Where", [padding, graph.Scalar(float.NegativeInfinity), tokens]);
        var pooled = graph.AddNode("ReduceMax", [filled], null, OnnxAttributeValue.Ints("axes", 1), OnnxAttributeValue.Int("keepdims", 0));
        var counts = graph.AddNode("ReduceSum", [mask, graph.Int64s(1)], null, OnnxAttributeValue.Int("keepdims", 1));          // [B, 1]
        var empty = graph.AddNode("Equal", [counts, graph.Int64s(0)]);
        return graph.AddNode("Where", [empty, graph.Scalar(0f), pooled], FeaturesOutput);
    }
}
