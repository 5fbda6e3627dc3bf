using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class GradientCacheTests
{
    static ConVirtModel Tiny(double dropout) => new(ResNetSpec.ResNet18,
        new BertSpec { VocabSize = 40, HiddenSize = 16, NumHeads = 2, NumLayers = 2, IntermediateSize = 32, MaxPositions = 16, HiddenDropout = dropout, AttentionDropout = dropout },
        projectionHidden: 8, projectionDim: 8);

    [Fact]
    public void CachedGradientsEqualFullBatchGradients()
    {
        torch.manual_seed(21);
        using var model = Tiny(0.0);
        model.TextEncoder.Freeze(freezeEmbeddings: true, frozenLayers: 1);
        model.eval(); // batch norm from running statistics, so the forward does not mix examples
        using var images = torch.rand(12, 1, 32, 32);
        using var ids = torch.randint(3, 40, [12, 7], dtype: int64);
        using var mask = torch.ones(12, 7, dtype: int64);
        var loss = new ConVirtLoss(0.1, 0.75);

        var (v, u) = model.call(images, ids, mask);
        var full = loss.Compute(v, u);
        full.Total.backward();
        var expected = model.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        model.zero_grad();

        var cached = TrainingStep.Backward(new ConVirtObjective(model, loss), [images, ids, mask], GlobalNegatives.SingleProcess(12), microBatch: 5, seed: 3);
        Assert.Equal(full.Total.ToDouble(), cached.Total.ToDouble(), 5);
        var actual = model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        Assert.DoesNotContain(actual.Keys, k => k.StartsWith("text_encoder.encoder.layer.0.", StringComparison.Ordinal));
        foreach (var (name, g) in expected)
        {
            var scale = Math.Max(1e-6, g.abs().max().ToDouble());
            var diff = (actual[name] - g).abs().max().ToDouble();
            Assert.True(diff <= 1e-4 * scale + 1e-7, $"{name}: max |cached - full| = {diff:E2} (scale {scale:E2})");
        }
    }

    [Fact]
    public void BothPassesSeeTheSameDropoutMasks()
    {
        // text dropout on (p = 0.3), image batch norm from running statistics. Reference: the same chunks,
        // each forward seeded as the cache seeds it, in one graph. Equal gradients mean the replay pass drew
        // the same dropout masks as the embedding pass (other masks give other embedding gradients).
        torch.manual_seed(22);
        using var model = Tiny(0.3);
        model.train();
        model.ImageEncoder.eval();
        using var images = torch.rand(6, 1, 32, 32);
        using var ids = torch.randint(3, 40, [6, 5], dtype: int64);
        using var mask = torch.ones(6, 5, dtype: int64);
        var loss = new ConVirtLoss(0.1, 0.75);

        torch.manual_seed(100);
        var v0 = model.EncodeImage(images.narrow(0, 0, 3)); var u0 = model.EncodeText(ids.narrow(0, 0, 3), mask.narrow(0, 0, 3));
        torch.manual_seed(101);
        var v1 = model.EncodeImage(images.narrow(0, 3, 3)); var u1 = model.EncodeText(ids.narrow(0, 3, 3), mask.narrow(0, 3, 3));
        var reference = loss.Compute(torch.cat([v0, v1], 0), torch.cat([u0, u1], 0));
        reference.Total.backward();
        var expected = model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        model.zero_grad();

        var cached = TrainingStep.Backward(new ConVirtObjective(model, loss), [images, ids, mask], GlobalNegatives.SingleProcess(6), microBatch: 3, seed: 100);
        Assert.Equal(reference.Total.ToDouble(), cached.Total.ToDouble(), 5);
        var g = model.named_parameters().First(p => p.name == "text_encoder.encoder.layer.1.output.dense.weight").parameter.grad!;
        var e = expected["text_encoder.encoder.layer.1.output.dense.weight"];
        Assert.True((g - e).abs().max().ToDouble() <= 1e-4 * e.abs().max().ToDouble() + 1e-7);
    }
}
