using ConVirt.Configuration;
using ConVirt.Data.Synthetic;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Precision;
using ConVirt.Tests.Pipeline;
using ConVirt.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ConVirt.Tests.Precision;

/// <summary>
/// bf16 against fp32 on the same weights and inputs: the demo's model (packaged ImageNet ResNet-18 + MiniLM) on a
/// synthetic batch. The policy is what <c>--precision bf16</c> resolves to on this machine (upcast kernels on a CPU
/// without bfloat16 instructions, native kernels elsewhere).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MixedPrecisionQualityTests(ITestOutputHelper output)
{
    static readonly Lazy<string> manifest = new(() => SyntheticDataset.Write(TinyRuns.TempFolder("precision-data"), 40, 64, seed: 11, conciseReports: true));

    static PreparedPretraining Prepare()
    {
        var small = ConVirtConfig.CpuSmall;
        var config = small with
        {
            Model = small.Model with { Text = small.Model.Text with { Bert = small.Model.Text.Bert with { HiddenDropout = 0, AttentionDropout = 0 }, MaxLength = 32 } },
            Optimizer = small.Optimizer with { BatchSize = 16 },
            Data = small.Data with { ImageSize = 64, Workers = 1 },
        };
        return PretrainingJob.Prepare(config, new PretrainingInputs(manifest.Value));
    }

    static PrecisionPolicy Bf16 => PrecisionPolicy.Create(PrecisionMode.Bf16, "cpu");

    static double MinRowCosine(Tensor a, Tensor b) =>
        nn.functional.cosine_similarity(a.to(float64), b.to(float64), dim: 1).min().ToDouble();

    static double Cosine(Tensor a, Tensor b) =>
        nn.functional.cosine_similarity(a.to(float64).flatten(), b.to(float64).flatten(), dim: 0).ToDouble();

    [Fact]
    public void EmbeddingsLossAndGradientsMatchFloat32()
    {
        var prepared = Prepare();
        var objective = (ConVirtObjective)prepared.Objective;
        var model = objective.Model;
        var batch = prepared.Train.Build(0, 0);   // reassigned below for the input-rounding comparison; Step reads it
        var tokens = batch.Tokens!;
        using var images = BatchTensors.Images(batch.Images, batch.Count, batch.Size, CPU);
        using var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length]);
        using var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length]);

        // embeddings (eval, no_grad): h_v, v and u
        model.eval();
        (Tensor H, Tensor V, Tensor U) Embed(PrecisionPolicy policy)
        {
            using var _ = torch.no_grad();
            using var region = Autocast.Enter(policy);
            return (model.ImageFeatures(images), model.EncodeImage(images), model.EncodeText(ids, mask));
        }
        var (h32, v32, u32) = Embed(Float32Policy.Instance);
        var (h16, v16, u16) = Embed(Bf16);
        Assert.All(new[] { h16, v16, u16 }, t => Assert.Equal(ScalarType.Float32, t.dtype));   // float32 where float32 begins
        double ch = MinRowCosine(h32, h16), cv = MinRowCosine(v32, v16), cu = MinRowCosine(u32, u16);
        output.WriteLine($"{Bf16.Name}: min row cosine h_v {ch:F5}, v {cv:F5}, u {cu:F5}");
        Assert.True(ch >= 0.999 && cv >= 0.999 && cu >= 0.999, $"cosines h_v {ch:F5}, v {cv:F5}, u {cu:F5}");
        Assert.True(ch < 1 - 1e-7 || cu < 1 - 1e-7, "bf16 gave float32's embeddings exactly: the policy did not apply");

        // loss and parameter gradients: the image tower in train mode (batch statistics), the text tower in eval mode
        // (BERT has no batch norm; eval turns its dropout off, so both runs compute one function)
        model.train();
        model.TextEncoder.eval();
        (double Loss, Dictionary<string, Tensor> Grads) Step(PrecisionPolicy policy)
        {
            model.zero_grad();
            double loss;
            using (var region = Autocast.Enter(policy))
            {
                var result = TrainingStep.Loss(objective, batch, CPU);
                result.Total.backward();
                loss = result.Total.ToDouble();
            }
            return (loss, model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone()));
        }
        var (l32, g32) = Step(Float32Policy.Instance);
        var (l16, g16) = Step(Bf16);
        Assert.Equal(g32.Keys.Order(), g16.Keys.Order());
        Assert.All(g16.Values, g => Assert.Equal(ScalarType.Float32, g.dtype));
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        double relative = Math.Abs(l16 - l32) / Math.Abs(l32);
        static Tensor Tower(Dictionary<string, Tensor> g, string prefix) =>
            torch.cat(g.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value.flatten()).ToArray());
        double imageCos = Cosine(Tower(g32, "image_"), Tower(g16, "image_"));
        double textCos = Cosine(Tower(g32, "text_"), Tower(g16, "text_"));

        // how sensitive the image gradient is: float32 again, on the same images truncated to bfloat16 precision
        var truncated = batch with { Images = batch.Images.Select(v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) & unchecked((int)0xFFFF0000))).ToArray() };
        var saved = batch;
        batch = truncated;
        var (_, gInput) = Step(Float32Policy.Instance);
        batch = saved;
        double inputCos = Cosine(Tower(g32, "image_"), Tower(gInput, "image_"));
        output.WriteLine($"loss fp32 {l32:F5}, bf16 {l16:F5} (relative {relative:E2}); gradient cosine image tower {imageCos:F5}, text tower {textCos:F5}; " +
            $"image tower in float32 with the input images truncated to bfloat16: {inputCos:F5}");
        Assert.True(relative <= 0.01, $"loss {l16} vs {l32}");
        Assert.True(textCos >= 0.99, $"text tower gradient cosine {textCos:F5}");
        // The 0.99 does not hold for the image tower: its gradient here (batch-statistics batch norm, max-pool,
        // ReLU on synthetic images with flat regions) moves as much when only the input is rounded to bfloat16 in an
        // otherwise float32 step (0.94 measured) as under bf16 (0.93). Asserted: bf16 costs no more than that rounding
        // (within 0.03), and at least 0.9 (docs/precision.md).
        Assert.True(imageCos >= 0.9, $"image tower gradient cosine {imageCos:F5}");
        Assert.True(imageCos >= inputCos - 0.03, $"image tower gradient cosine {imageCos:F5}, input rounding alone {inputCos:F5}");
    }

    [Fact]
    public void GradientCachingUnderBf16EqualsTheFullBatchStepUnderBf16()
    {
        // both passes under one policy: the cached step's gradients are the full-batch step's (to bfloat16 rounding)
        var prepared = Prepare();
        var objective = (ConVirtObjective)prepared.Objective;
        var model = objective.Model;
        model.eval();   // batch norm from running statistics, so chunks do not change the function
        var batch = prepared.Train.Build(0, 0);
        var policy = Bf16;
        Dictionary<string, Tensor> Grads() => model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());

        model.zero_grad();
        double full;
        using (Autocast.Enter(policy)) { var o = TrainingStep.Loss(objective, batch, CPU); o.Total.backward(); full = o.Total.ToDouble(); }
        var expected = Grads();
        model.zero_grad();
        double cached;
        int casts, hits;
        using (var region = Autocast.Enter(policy))
        {
            cached = TrainingStep.Backward(objective, batch, CPU, ConVirt.Distributed.GlobalNegatives.SingleProcess(batch.Count), microBatch: 6, seed: 1).Total.ToDouble();
            (casts, hits) = (region.Cache.Casts, region.Cache.Hits);
        }
        var actual = Grads();
        output.WriteLine($"loss full {full:F5}, cached {cached:F5}; weight copies {casts}, reused {hits} times");
        Assert.True(Math.Abs(full - cached) <= 1e-3 * Math.Abs(full));
        double cos = Cosine(torch.cat(expected.OrderBy(kv => kv.Key).Select(kv => kv.Value.flatten()).ToArray()), torch.cat(actual.OrderBy(kv => kv.Key).Select(kv => kv.Value.flatten()).ToArray()));
        Assert.True(cos >= 0.999, $"gradient cosine cached vs full {cos:F5}");
        // 3 chunks x (graph-free pass + graph pass): each weight is cast once per grad mode and reused by the other chunks
        Assert.True(casts > 0 && casts <= 2 * model.parameters().Count(), $"{casts} casts");
        Assert.True(hits >= 2 * casts, $"{hits} reuses of {casts} copies");
    }
}
