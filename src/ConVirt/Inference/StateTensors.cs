using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Inference;

/// <summary>A module's state dict as float32 arrays for ONNX initialisers, looked up by PyTorch name.</summary>
internal sealed class StateTensors
{
    private readonly Dictionary<string, Tensor> state;
    private readonly string owner;

    public StateTensors(nn.Module module, string owner)
    {
        state = module.state_dict();
        this.owner = owner;
    }

    public bool Contains(string key) => state.ContainsKey(key);

    /// <summary>The values (row-major, float32) and shape of <paramref name="key"/>.</summary>
    public (float[] Values, long[] Dims) Get(string key)
    {
        if (!state.TryGetValue(key, out var tensor)) throw new KeyNotFoundException($"{owner}: no parameter or buffer '{key}' in the state dict");
        using var _ = torch.no_grad();
        using var values = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return (values.data<float>().ToArray(), values.shape);
    }

    /// <summary>A 2-d weight [out, in] transposed to [in, out], for MatMul(x, W^T).</summary>
    public (float[] Values, long[] Dims) GetTransposed(string key)
    {
        var (w, dims) = Get(key);
        if (dims.Length != 2) throw new InvalidOperationException($"{owner}: '{key}' is not a matrix ([{string.Join(", ", dims)}])");
        long rows = dims[0], cols = dims[1];
        var t = new float[w.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
        return (t, [cols, rows]);
    }

    /// <summary>Adds <paramref name="key"/> as an initialiser named <paramref name="prefix"/> + key.</summary>
    public string Add(OnnxGraphBuilder graph, string key, string prefix = "")
    {
        var (values, dims) = Get(key);
        return graph.AddInitializer(prefix + key, values, dims);
    }

    /// <summary>Adds <paramref name="key"/> transposed (<see cref="GetTransposed"/>) as an initialiser.</summary>
    public string AddTransposed(OnnxGraphBuilder graph, string key, string prefix = "")
    {
        var (values, dims) = GetTransposed(key);
        return graph.AddInitializer(prefix + key + ".T", values, dims);
    }
}
