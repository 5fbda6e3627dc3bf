using ConVirt.Configuration;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class ConVirtModelTests
{
    static ConVirtModel Tiny() => new(TestModels.TinyResNet,
        new BertSpec { VocabSize = 50, HiddenSize = 16, NumHeads = 2, NumLayers = 2, IntermediateSize = 32, MaxPositions = 16 },
        projectionHidden: 8, projectionDim: 8);

    [Fact]
    public void LossGradientFlowsToBothTowersAndBothHeads()
    {
        torch.manual_seed(7);
        using var model = Tiny();
        model.train();
        using var images = torch.rand(4, 1, 32, 32);
        using var ids = torch.randint(3, 50, [4, 6], dtype: int64);
        using var mask = torch.ones(4, 6, dtype: int64);
        var (v, u) = model.call(images, ids, mask);
        Assert.Equal([4L, 8], v.shape);
        Assert.Equal([4L, 8], u.shape);
        new ConVirtLoss().Compute(v, u).Total.backward();
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var key in new[] { "image_encoder.conv1.weight", "image_encoder.layer4.1.conv2.weight", "image_projection.0.weight",
                                    "text_encoder.encoder.layer.1.output.dense.weight", "text_encoder.embeddings.word_embeddings.weight", "text_projection.2.weight" })
        {
            var g = named[key].grad;
            Assert.True(g is not null && g.abs().sum().ToDouble() > 0, $"{key} received no gradient");
        }
    }

    [Fact]
    public void StateDictKeysArePrefixedTorchvisionAndHuggingFaceNames()
    {
        using var model = Tiny();
        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("image_encoder.layer1.0.bn1.running_mean", keys);
        Assert.Contains("text_encoder.encoder.layer.0.attention.self.query.weight", keys);
        Assert.Contains("image_projection.2.bias", keys);
        Assert.Contains("text_projection.0.weight", keys);
        Assert.DoesNotContain(keys, k => k.Contains("fc.", StringComparison.Ordinal));
    }

    [Fact]
    public void ForwardDisposesWhatItCreates()
    {
        torch.manual_seed(8);
        using var model = Tiny();
        model.eval();
        using var images = torch.rand(2, 1, 32, 32);
        using var ids = torch.randint(3, 50, [2, 5], dtype: int64);
        using var mask = torch.ones(2, 5, dtype: int64);
        // warm up once (lazy allocations), then count live tensors around a forward whose outputs we dispose
        using (torch.no_grad()) { var (a, b) = model.call(images, ids, mask); a.Dispose(); b.Dispose(); }
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (torch.no_grad())
        {
            var (v, u) = model.call(images, ids, mask);
            Assert.True(DisposeScopeManager.Statistics.ThreadTotalLiveCount - before <= 2, "forward left tensors alive besides its two outputs");
            v.Dispose();
            u.Dispose();
        }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void NamedConfigurationsCarryMethodValuesAndRoundTripThroughJson()
    {
        var paper = ConVirtConfig.Paper;
        Assert.Equal(0.1, paper.Loss.Temperature);
        Assert.Equal(0.75, paper.Loss.Lambda);
        Assert.Equal(1e-4, paper.Optimizer.LearningRate);
        Assert.Equal(1e-6, paper.Optimizer.WeightDecay);
        Assert.Equal(32, paper.Optimizer.BatchSize);
        Assert.Equal(224, paper.Data.ImageSize);
        Assert.Equal(512, paper.Model.ProjectionDim);
        Assert.Equal(6, paper.Model.Text.FrozenLayers);
        Assert.Equal(12, paper.Model.Text.Bert.NumLayers);
        Assert.Equal("resnet50", paper.Model.Image.Architecture);
        var small = ConVirtConfig.Named("cpu-small");
        Assert.Equal("resnet18", small.Model.Image.Architecture);
        Assert.Equal(6, small.Model.Text.Bert.NumLayers);
        Assert.Equal(384, small.Model.Text.Bert.HiddenSize);
        foreach (var c in new[] { paper, small })
        {
            var back = ConVirtConfig.FromJson(c.ToJson());
            Assert.Equal(c.ToJson(), back.ToJson());
            Assert.Equal(c.Model.Text.Bert, back.Model.Text.Bert);
        }
    }

    [Fact]
    public void PartialJsonKeepsDefaultsAndUnknownMembersAreRefusedByName()
    {
        var c = ConVirtConfig.FromJson("""{ "loss": { "temperature": 0.2 }, "seed": 3 }""");
        Assert.Equal(0.2, c.Loss.Temperature);
        Assert.Equal(0.75, c.Loss.Lambda);
        Assert.Equal(3, c.Seed);
        var e = Assert.Throws<FormatException>(() => ConVirtConfig.FromJson("""{ "loss": { "temprature": 0.2 } }""", "my.json"));
        Assert.Contains("my.json", e.Message);
        Assert.Contains("temprature", e.Message);
        Assert.Throws<ArgumentException>(() => (ConVirtConfig.Paper with { Loss = new LossOptions { Lambda = 2 } }).Validate());
    }
}
