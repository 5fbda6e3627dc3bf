using ConVirt.Models;
using ConVirt.Models.Vision;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Inference;

/// <summary>
/// The towers run by ONNX Runtime's CPU execution provider on the encoder's own graphs (<see cref="ResNetOnnxGraph"/>,
/// <see cref="BertOnnxGraph"/>: the graphs of <c>convirt export --format onnx</c>), each built on first use from the
/// loaded weights and cached by <see cref="OnnxGraphCache"/>. Inputs and outputs are handed over without copies
/// (the tensors' memory is bound as ONNX Runtime values). CPU and fp32 only (<see cref="TowerBackends.Resolve"/>).
/// </summary>
internal sealed class OnnxRuntimeTowers : IEncoderTowers
{
    readonly ConVirtModel? model;
    readonly Lazy<InferenceSession> imageSession, textSession;
    readonly long imageFeatures, textFeatures, projectionWidth;   // output widths: h_v, h_u, v and u

    /// <param name="image">The image encoder f_v.</param>
    /// <param name="model">The whole model (projections, text tower), or null for an image encoder alone.</param>
    /// <param name="cache">Where the graphs are kept between processes.</param>
    public OnnxRuntimeTowers(ResNetEncoder image, ConVirtModel? model, OnnxGraphCache cache)
    {
        this.model = model;
        imageFeatures = image.FeatureDim;
        textFeatures = model?.TextEncoder.FeatureDim ?? 0;
        projectionWidth = model is null ? 0 : ResNetOnnxGraph.ProjectionWidth(model.ImageProjection);
        imageSession = new(() => Open(cache.Image(image, model?.ImageProjection)));
        textSession = new(() => Open(cache.Text(model!.TextEncoder, model.TextProjection)));
    }

    /// <inheritdoc />
    public TowerBackend Backend => TowerBackend.OnnxRuntime;

    /// <inheritdoc />
    public Tensor Images(Tensor images, bool projected)
    {
        if (projected && model is null) throw new InvalidOperationException("this encoder has no image projection g_v");
        long width = projected ? projectionWidth : imageFeatures;
        using var scope = NewDisposeScope();
        var x = Host(images.to(ScalarType.Float32));
        var output = torch.empty([x.shape[0], width], ScalarType.Float32);
        Run(imageSession.Value, [(ResNetOnnxGraph.Input, x, TensorElementType.Float)],
            projected ? ResNetOnnxGraph.ProjectionOutput : ResNetOnnxGraph.FeaturesOutput, output);
        return output.to(images.device).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Texts(Tensor ids, Tensor mask, bool projected)
    {
        if (model is null) throw new InvalidOperationException("this encoder has no text tower");
        long width = projected ? projectionWidth : textFeatures;
        using var scope = NewDisposeScope();
        var i = Host(ids.to(ScalarType.Int64));
        var m = Host(mask.to(ScalarType.Int64));
        var output = torch.empty([i.shape[0], width], ScalarType.Float32);
        Run(textSession.Value, [(BertOnnxGraph.IdsInput, i, TensorElementType.Int64), (BertOnnxGraph.MaskInput, m, TensorElementType.Int64)],
            projected ? BertOnnxGraph.ProjectionOutput : BertOnnxGraph.FeaturesOutput, output);
        return output.to(ids.device).MoveToOuterDisposeScope();
    }

    /// <summary>Closes the sessions that were opened (the modules belong to the loaded encoder).</summary>
    public void Dispose()
    {
        if (imageSession.IsValueCreated) imageSession.Value.Dispose();
        if (textSession.IsValueCreated) textSession.Value.Dispose();
    }

    // a dense, row-major copy on the CPU only where the tensor is not one already (channels-last or device tensors)
    static Tensor Host(Tensor t) => t.device_type == DeviceType.CPU && t.is_contiguous() ? t : t.cpu().contiguous();

    static void Run(InferenceSession session, (string Name, Tensor Value, TensorElementType Type)[] inputs, string outputName, Tensor output)
    {
        var values = new List<OrtValue>(inputs.Length + 1);
        try
        {
            foreach (var (_, value, type) in inputs) values.Add(Bind(value, type));
            var result = Bind(output, TensorElementType.Float);
            values.Add(result);
            using var run = new RunOptions();
            session.Run(run, inputs.Select(x => x.Name).ToArray(), values.Take(inputs.Length).ToArray(), [outputName], [result]);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    // the tensor's memory as an ONNX Runtime value (no copy: libtorch's buffer does not move; the tensor outlives the value)
    static unsafe OrtValue Bind(Tensor t, TensorElementType type)
    {
        fixed (byte* data = t.bytes)
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, type, t.shape, (IntPtr)data, t.NumberOfElements * t.ElementSize);
    }

    /// <summary>A session on <paramref name="graph"/>; a temporary graph file is deleted once the session has read it.</summary>
    internal static InferenceSession Open(OnnxGraphCache.Graph graph)
    {
        try
        {
            using var options = TowerBackends.SessionOptions();
            return new InferenceSession(graph.Path, options);
        }
        finally
        {
            if (graph.Temporary) OnnxGraphCache.TryDelete(graph.Path);
        }
    }
}
