using ConVirt.Inference;
using ConVirt.Training;
using ConVirt.Interop;
using System.Diagnostics;
using ConVirt.Evaluation;
using ConVirt.Export;
using ConVirt.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// Inference on libtorch against ONNX Runtime (issue 27, item 3): a configuration's towers (random weights, the compute of
/// trained ones) exported with <see cref="OnnxExport"/> and run by ONNX Runtime's CPU execution provider (graph optimisations
/// all, intra-op threads = the bench's threads), against the same modules' forward in libtorch (eval, no_grad, the project's
/// defaults: channels-last convolutions). Image tower + g_v at batch 1 and 32 (224 px), text tower + g_u at batch 1 and 64
/// (24 tokens); the two alternate, each sample timing several calls; the largest |difference| of the outputs is reported.
/// </summary>
public static class OnnxBench
{
    public static Dictionary<string, object> Run(string name, string scratch, int threads, bool quick, Action<string> log)
    {
        var sc = StepConfig.Named(name);
        torch.manual_seed(0);
        var model = ModelFactory.CreateRandom(sc.Config.Model);
        model.eval();
        var tokenizer = Interop.ModelFactory.OpenVocabulary(sc.Config.Model.Text.Vocab, sc.Config.Model.Text.LowerCase);
        string folder = Path.Combine(scratch, "onnx-" + name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var export = Stopwatch.StartNew();
        OnnxExport.Write(new LoadedEncoder("random", model.ImageEncoder, model, tokenizer, sc.Config), folder, new OnnxExportOptions());
        log($"  {name}: exported in {export.Elapsed.TotalSeconds:F1} s");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads, InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var imageSession = new InferenceSession(Path.Combine(folder, OnnxExport.ImageFileName), options);
        using var textSession = new InferenceSession(Path.Combine(folder, OnnxExport.TextFileName), options);
        int channels = sc.Config.Model.Image.InChannels, tokens = 24;
        var results = new Dictionary<string, object>();
        foreach (var (part, batch) in new[] { ("image", 1), ("image", 32), ("text", 1), ("text", 64) })
        {
            int calls = batch == 1 ? (quick ? 3 : 10) : 1, samples = quick ? 2 : 5;
            Func<float[]> ours, ort;
            if (part == "image")
            {
                torch.manual_seed(batch);
                var x = torch.rand(batch, channels, 224, 224);   // kept for the closures below (a few MB per shape)
                var data = x.data<float>().ToArray();
                ours = () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    return model.ImageProjection.call(model.ImageEncoder.call(x)).data<float>().ToArray();
                };
                var input = new DenseTensor<float>(data, [batch, channels, 224, 224]);
                ort = () =>
                {
                    using var output = imageSession.Run([NamedOnnxValue.CreateFromTensor(ResNetOnnxGraph.Input, input)]);
                    return output.Last().AsTensor<float>().ToArray();
                };
            }
            else
            {
                var random = new Random(batch);
                var ids = Enumerable.Range(0, batch * tokens).Select(i => i % tokens == 0 ? 101L : random.Next(1000, 20000)).ToArray();
                var mask = Enumerable.Repeat(1L, batch * tokens).ToArray();
                var idTensor = torch.tensor(ids, [batch, tokens]);
                var maskTensor = torch.tensor(mask, [batch, tokens]);
                ours = () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    return model.EncodeText(idTensor, maskTensor).data<float>().ToArray();
                };
                var idInput = new DenseTensor<long>(ids, [batch, tokens]);
                var maskInput = new DenseTensor<long>(mask, [batch, tokens]);
                ort = () =>
                {
                    using var output = textSession.Run([NamedOnnxValue.CreateFromTensor(BertOnnxGraph.IdsInput, idInput), NamedOnnxValue.CreateFromTensor(BertOnnxGraph.MaskInput, maskInput)]);
                    return output.Last().AsTensor<float>().ToArray();
                };
            }
            var a = ours();
            var b = ort();
            ours();
            ort();
            double difference = a.Zip(b, (p, q) => Math.Abs(p - q)).Max();
            var tOurs = new List<double>();
            var tOrt = new List<double>();
            for (int s = 0; s < samples; s++)
            {
                tOurs.Add(Time(ours, calls));
                tOrt.Add(Time(ort, calls));
            }
            var so = Stats.Of(tOurs);
            var sr = Stats.Of(tOrt);
            results[$"{part}_batch_{batch}"] = new Dictionary<string, object>
            {
                ["libtorch_ms"] = so, ["onnxruntime_ms"] = sr, ["ratio_libtorch_over_onnxruntime"] = so.Median / sr.Median,
                ["per_second_libtorch"] = batch * 1000 / so.Median, ["per_second_onnxruntime"] = batch * 1000 / sr.Median, ["max_abs_difference"] = difference,
            };
            log($"    {part} tower + projection, batch {batch,2}: libtorch {so.Show("F1", " ms")}, ONNX Runtime {sr.Show("F1", " ms")} per call; ONNX Runtime {so.Median / sr.Median:F2}x libtorch's speed ({batch * 1000 / so.Median:F1} vs {batch * 1000 / sr.Median:F1} {(part == "image" ? "images" : "texts")}/s); max |Δ| of the outputs {difference:E1} (load {Machine.LoadAverage()})");
        }
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        return results;
    }

    static double Time(Func<float[]> call, int calls)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) call();
        return clock.Elapsed.TotalMilliseconds / calls;
    }
}
