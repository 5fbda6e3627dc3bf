using static TorchSharp.torch;

namespace ConVirt.Inference;

/// <summary>The projection head g (Linear, ReLU, Linear; keys 0.weight, 0.bias, 2.weight, 2.bias) as two Gemm nodes.</summary>
internal static class ProjectionOnnxGraph
{
    /// <summary>g(<paramref name="features"/>) [B, d] for features [B, in]; the result is named <paramref name="output"/>.</summary>
    public static string Add(OnnxGraphBuilder graph, nn.Module head, string prefix, string features, string output)
    {
        var state = new StateTensors(head, prefix.TrimEnd('.'));
        // Gemm: A · Bᵀ + C with transB = 1 takes the [out, in] weights as stored
        var hidden = graph.AddNode("Gemm", [features, state.Add(graph, "0.weight", prefix), state.Add(graph, "0.bias", prefix)], null,
            OnnxAttributeValue.Int("transB", 1));
        var relu = graph.AddNode("Relu", [hidden]);
        return graph.AddNode("Gemm", [relu, state.Add(graph, "2.weight", prefix), state.Add(graph, "2.bias", prefix)], output,
            OnnxAttributeValue.Int("transB", 1));
    }
}
