using System.Globalization;
using System.Text.RegularExpressions;
using ConVirt.Models.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Interop;

/// <summary>
/// Imports a PyTorch-exported ONNX BertModel (HuggingFace) into a <see cref="BertTextEncoder"/>.
/// </summary>
/// <remarks>
/// Embeddings, biases and LayerNorms keep their HuggingFace names as initializers. Linear weights are anonymous
/// initializers (<c>925</c>, <c>onnx::MatMul_788</c>) stored [in, out] as MatMul's right operand: each is found
/// from the named bias through <c>Add(bias, MatMul(x, W))</c> and transposed to [out, in]. The size comes from
/// the initializer shapes; heads from the attention Reshape's constant [.., heads, head_dim]; LayerNorm epsilon
/// from the constant added before Sqrt in the embeddings' decomposed LayerNorm.
/// </remarks>
internal static partial class OnnxBertImporter
{
    public static BertTextEncoder Import(OnnxModel model, string sourceName)
    {
        var graph = model.Graph;
        var init = graph.Initializers;
        OnnxTensor Need(string name) => init.TryGetValue(name, out var t) ? t
            : throw new InvalidDataException($"{sourceName}: initializer '{name}' not found; not a BertModel export");

        var word = Need("embeddings.word_embeddings.weight");
        int layers = init.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();
        int hidden = (int)word.Dims[1];
        var spec = new BertSpec
        {
            VocabSize = (int)word.Dims[0],
            HiddenSize = hidden,
            NumLayers = layers,
            NumHeads = ReadHeads(graph, hidden, sourceName),
            IntermediateSize = (int)Need("encoder.layer.0.intermediate.dense.bias").Dims[0],
            MaxPositions = (int)Need("embeddings.position_embeddings.weight").Dims[0],
            TypeVocabSize = (int)Need("embeddings.token_type_embeddings.weight").Dims[0],
            LayerNormEps = ReadLayerNormEpsilon(graph) ?? 1e-12,
        };
        int erfs = graph.Nodes.Count(n => n.OpType == "Erf");
        if (erfs != layers)
            throw new InvalidDataException($"{sourceName}: {erfs} Erf nodes for {layers} layers; only the exact (erf) GELU is supported");

        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, tensor) in init)
            {
                if (!(name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.", StringComparison.Ordinal)
                      || name.StartsWith("pooler.", StringComparison.Ordinal)) || name == "embeddings.position_ids") continue;
                if (name == "pooler.dense.weight") { state[name] = PoolerWeight(graph, tensor, sourceName); continue; }
                state[name] = ToTensor(tensor);
                if (name.StartsWith("encoder.", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("LayerNorm", StringComparison.Ordinal))
                    state[name[..^"bias".Length] + "weight"] = LinearWeight(graph, name, sourceName);
            }
            var encoder = new BertTextEncoder(spec);
            try
            {
                // Exports of BertModel without the pooling layer (arctic-embed) leave pooler.* at its initial values;
                // it is unused by max-pooling.
                StateDictLoader.Load(encoder, state, sourceName, key => key.StartsWith("pooler.", StringComparison.Ordinal));
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

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();

    /// <summary>Finds <c>Add(bias, MatMul(x, W))</c> for a named bias and returns W transposed to [out, in].</summary>
    private static Tensor LinearWeight(OnnxGraph graph, string biasName, string sourceName)
    {
        foreach (var add in graph.ConsumersOf(biasName).Where(n => n.OpType == "Add"))
        {
            foreach (var other in add.Inputs.Where(i => i != biasName))
            {
                if (graph.ProducerOf(other) is { OpType: "MatMul" } matmul && graph.ConstantOf(matmul.Inputs[1]) is { } weight && weight.Dims.Count == 2)
                {
                    using var w = ToTensor(weight);
                    return w.t().contiguous();
                }
            }
        }
        throw new InvalidDataException($"{sourceName}: no MatMul weight found for '{biasName}'");
    }

    /// <summary>The pooler is <c>Gemm(x, W, b)</c>; with transB = 1 W is already [out, in].</summary>
    private static Tensor PoolerWeight(OnnxGraph graph, OnnxTensor weight, string sourceName)
    {
        var user = graph.ConsumersOf(weight.Name).FirstOrDefault() ?? throw new InvalidDataException($"{sourceName}: pooler weight unused");
        bool outIn = user.OpType == "Gemm" && user.Attribute("transB")?.Int == 1;
        using var w = ToTensor(weight);
        return outIn ? w.clone() : w.t().contiguous();
    }

    /// <summary>Heads from the Reshape after layer 0's query projection: its target shape ends [heads, head_dim].</summary>
    private static int ReadHeads(OnnxGraph graph, int hidden, string sourceName)
    {
        foreach (var add in graph.ConsumersOf("encoder.layer.0.attention.self.query.bias").Where(n => n.OpType == "Add"))
        {
            var reshape = graph.ConsumersOf(add.Outputs[0]).FirstOrDefault(n => n.OpType == "Reshape");
            if (reshape is null) continue;
            var dims = ShapeValues(graph, reshape.Inputs[1]);
            if (dims is { Count: >= 2 } && dims[^2] > 0 && dims[^2] * dims[^1] == hidden) return (int)dims[^2];
        }
        throw new InvalidDataException($"{sourceName}: attention head count not found in the graph");
    }

    /// <summary>A Reshape target: a constant, or a Concat of pieces whose constant ones are read (others -1).</summary>
    private static List<long>? ShapeValues(OnnxGraph graph, string value)
    {
        if (graph.ConstantOf(value) is { DataType: OnnxTensor.Int64 } constant) return constant.ToInt64s().ToList();
        if (graph.ProducerOf(value) is not { OpType: "Concat" } concat) return null;
        var values = new List<long>();
        foreach (var piece in concat.Inputs)
        {
            if (graph.ConstantOf(piece) is { DataType: OnnxTensor.Int64 } c) values.AddRange(c.ToInt64s());
            else values.Add(-1);
        }
        return values;
    }

    /// <summary>Epsilon of the decomposed embeddings LayerNorm: <c>Div(x - mean, Sqrt(Add(var, eps)))</c>.</summary>
    private static double? ReadLayerNormEpsilon(OnnxGraph graph)
    {
        var mul = graph.ConsumersOf("embeddings.LayerNorm.weight").FirstOrDefault(n => n.OpType == "Mul");
        if (mul is null) return null;
        foreach (var input in mul.Inputs)
        {
            if (graph.ProducerOf(input) is not { OpType: "Div" } div) continue;
            if (graph.ProducerOf(div.Inputs[1]) is not { OpType: "Sqrt" } sqrt) continue;
            if (graph.ProducerOf(sqrt.Inputs[0]) is not { OpType: "Add" } add) continue;
            foreach (var operand in add.Inputs)
            {
                if (graph.ConstantOf(operand) is { ElementCount: 1 } eps)
                {
                    float value = eps.ToFloats()[0];
                    return double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                }
            }
        }
        return null;
    }

    private static Tensor ToTensor(OnnxTensor value) => torch.tensor(value.ToFloats(), value.Dims.ToArray(), dtype: ScalarType.Float32);
}
