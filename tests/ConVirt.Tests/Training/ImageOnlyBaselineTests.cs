using ConVirt.Losses;
using ConVirt.Models.Vision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class ImageOnlyBaselineTests
{
    [Fact]
    public void NtXentEqualsHandComputedCase()
    {
        // views a = [e1, e2], b = [(1,1)/√2, e2]; z = [e1, e2, a', e2], τ = 1, self-similarity excluded.
        // row 0 (e1):  others [e2 0, a' 1/√2, e2 0],  positive a'      -> log(2 + e^0.7071) - 0.7071 = 0.6861917
        // row 1 (e2):  others [e1 0, a' 0.7071, e2 1], positive e2 (3) -> log(1 + e^0.7071 + e) - 1 = 0.7485730
        // row 2 (a'):  others all 0.7071,              positive e1      -> log(3 e^0.7071) - 0.7071 = log 3 = 1.0986123
        // row 3 (e2):  as row 1                                          -> 0.7485730
        // mean = 0.8204875
        using var a = torch.tensor(new float[] { 1, 0, 0, 1 }).view(2, 2);
        using var b = torch.tensor(new float[] { 1, 1, 0, 1 }).view(2, 2);
        using var loss = NtXentLoss.Compute(a, b, 1.0);
        Assert.Equal(0.8204875, loss.ToDouble(), 5);
    }

    [Fact]
    public void MoCoQueueWrapsAroundAndKeyEncoderFollowsTheMomentumRule()
    {
        torch.manual_seed(11);
        using var model = new MoCoModel(new ResNetEncoder(TestModels.TinyResNet), hidden: 8, dim: 4, queueSize: 5, momentum: 0.9, seed: 1);
        // key encoder starts as a copy of the query encoder and gets no gradient
        var q = model.named_parameters().Where(p => p.name.StartsWith("image_encoder.", StringComparison.Ordinal)).ToDictionary(p => p.name["image_encoder.".Length..], p => p.parameter);
        var k = model.named_parameters().Where(p => p.name.StartsWith("key_encoder.", StringComparison.Ordinal)).ToDictionary(p => p.name["key_encoder.".Length..], p => p.parameter);
        Assert.Equal(q.Keys.Order(), k.Keys.Order());
        Assert.All(k.Values, p => Assert.False(p.requires_grad));
        Assert.True(q["conv1.weight"].equal(k["conv1.weight"]).all().ToBoolean());

        // move the query weights, then one momentum step: θ_k = 0.9 θ_k + 0.1 θ_q
        using (torch.no_grad()) q["conv1.weight"].add_(1.0f);
        using var kBefore = k["conv1.weight"].detach().clone();
        using var qNow = q["conv1.weight"].detach().clone();
        model.MomentumUpdate();
        using var expected = kBefore * 0.9 + qNow * 0.1;
        Assert.True(torch.allclose(k["conv1.weight"], expected, rtol: 1e-6, atol: 1e-6));

        // queue of 5: enqueue 3 then 3 -> rows 0,1,2 then 3,4,0; pointer 1
        using var first = torch.ones(3, 4) * 1;
        using var second = torch.ones(3, 4) * 2;
        model.Enqueue(first);
        Assert.Equal(3L, model.QueuePointer.item<long>());
        model.Enqueue(second);
        Assert.Equal(1L, model.QueuePointer.item<long>());
        var rows = model.Queue.select(1, 0).data<float>().ToArray();
        Assert.Equal(new float[] { 2, 1, 1, 2, 2 }, rows);
        // queue and pointer are buffers, so checkpoints carry them
        var buffers = model.named_buffers().Select(b => b.name).ToHashSet();
        Assert.Contains("queue", buffers);
        Assert.Contains("queue_ptr", buffers);
    }

    [Fact]
    public void MoCoKeyEncoderStartsEqualToTheQueryEncoderWithPackagedPreprocessing()
    {
        // The packaged ImageNet ResNet-18 carries a mean image and a stem offset outside the state dict; the key
        // encoder must get them too, or keys and queries of the same image differ from the first step.
        var encoder = ConVirt.Interop.PackagedWeights.LoadImageNetResNet18(1);
        Assert.NotNull(encoder.GetInputMeanImage());
        Assert.NotNull(encoder.GetStemOffset());
        torch.manual_seed(3);
        using var model = new MoCoModel(encoder, hidden: 16, dim: 8, queueSize: 4, momentum: 0.99, seed: 1);
        model.eval();
        using var images = torch.rand(2, 1, 64, 64);
        using var queries = nn.functional.normalize(model.forward(images), p: 2, dim: 1);
        using var keys = model.Keys(images);
        Assert.True(torch.allclose(queries, keys, rtol: 1e-5, atol: 1e-6), $"max |q - k| = {(queries - keys).abs().max().item<float>()}");
    }
}
