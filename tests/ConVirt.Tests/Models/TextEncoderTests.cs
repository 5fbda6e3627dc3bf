using ConVirt.Models.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class TextEncoderTests
{
    static readonly BertSpec Tiny = new() { VocabSize = 100, HiddenSize = 16, NumHeads = 2, NumLayers = 2, IntermediateSize = 32, MaxPositions = 32, HiddenDropout = 0, AttentionDropout = 0 };

    [Fact]
    public void MaskedMaxPoolIgnoresPaddingEvenWhenItHoldsTheLargestValues()
    {
        // [B=2, L=3, H=2]; row 0 has 2 real tokens then padding holding 100s; row 1 is all real.
        using var tokens = torch.tensor(new float[]
        {
            1, -5,   2, -7,   100, 100,
            -1, 3,   -2, 4,   -3, 9,
        }).view(2, 3, 2);
        using var mask = torch.tensor(new long[] { 1, 1, 0, 1, 1, 1 }).view(2, 3);
        using var pooled = MaskedMaxPool.Apply(tokens, mask);
        Assert.Equal(new float[] { 2, -5, -1, 9 }, pooled.data<float>().ToArray());
    }

    [Fact]
    public void PaddingDoesNotChangeTheSentenceVector()
    {
        torch.manual_seed(5);
        using var encoder = new BertTextEncoder(Tiny);
        encoder.eval();
        using var _ = torch.no_grad();
        using var ids = torch.tensor(new long[] { 1, 5, 7, 2 }).view(1, 4);
        using var mask = torch.ones(1, 4, dtype: int64);
        using var padded = torch.tensor(new long[] { 1, 5, 7, 2, 0, 0, 0 }).view(1, 7);
        using var paddedMask = torch.tensor(new long[] { 1, 1, 1, 1, 0, 0, 0 }).view(1, 7);
        using var a = encoder.call(ids, mask);
        using var b = encoder.call(padded, paddedMask);
        Assert.True(torch.allclose(a, b, rtol: 1e-5, atol: 1e-5), "padding changed the pooled vector");
    }

    [Fact]
    public void FrozenLayersGetNoGradientAndDoNotMoveAfterAnOptimiserStep()
    {
        torch.manual_seed(6);
        using var encoder = new BertTextEncoder(Tiny with { NumLayers = 3 });
        encoder.Freeze(freezeEmbeddings: true, frozenLayers: 2);
        var trainable = encoder.parameters().Where(p => p.requires_grad).ToList();
        var before = encoder.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimiser = torch.optim.Adam(trainable, lr: 0.1);
        using var ids = torch.tensor(new long[] { 1, 5, 7, 2, 1, 9, 2, 0 }).view(2, 4);
        using var mask = torch.tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 0 }).view(2, 4);
        using var h = encoder.call(ids, mask);
        h.pow(2).sum().backward();
        optimiser.step();
        foreach (var (name, p) in encoder.named_parameters())
        {
            bool frozen = name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.layer.0.", StringComparison.Ordinal)
                || name.StartsWith("encoder.layer.1.", StringComparison.Ordinal) || name.StartsWith("pooler.", StringComparison.Ordinal);
            var moved = !before[name].equal(p).all().ToBoolean();
            if (frozen)
            {
                Assert.True(p.grad is null || p.grad.abs().sum().ToDouble() == 0, $"{name} is frozen but has a gradient");
                Assert.False(moved, $"{name} is frozen but changed");
                Assert.False(p.requires_grad);
            }
            else if (name.EndsWith(".weight", StringComparison.Ordinal) && name.Contains("layer.2.", StringComparison.Ordinal))
            {
                Assert.True(moved, $"{name} should train");
            }
        }
        Assert.DoesNotContain(trainable, p => encoder.named_parameters().First(n => ReferenceEquals(n.parameter, p)).name.StartsWith("encoder.layer.1.", StringComparison.Ordinal));
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void FreezeRejectsMoreLayersThanExist()
    {
        using var encoder = new BertTextEncoder(Tiny);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.Freeze(true, 3));
    }
}
