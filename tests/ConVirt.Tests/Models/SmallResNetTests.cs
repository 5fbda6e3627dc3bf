using ConVirt.Interop;
using ConVirt.Configuration;
using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;

namespace ConVirt.Tests.Models;

/// <summary>Width and stage counts as configuration: the small encoders the tests train, default shapes unchanged.</summary>
[Collection(TorchCollection.Name)]
public sealed class SmallResNetTests
{
    [Fact]
    public void WidthScalesEveryStageAndKeepsTheParameterNames()
    {
        using var full = new ResNetEncoder(ResNetSpec.ResNet18);
        using var small = new ResNetEncoder(ResNetSpec.ResNet18 with { Width = 16 });
        var fullShapes = full.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var smallShapes = small.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(fullShapes.Keys.Order(), smallShapes.Keys.Order());
        // stem and layer1 16 channels, then 32, 64, 128 (torchvision: 64, 128, 256, 512); the 1-channel input and 7x7 stem stay
        Assert.Equal([16L, 1, 7, 7], smallShapes["conv1.weight"]);
        Assert.Equal([32L, 16, 3, 3], smallShapes["layer2.0.conv1.weight"]);
        Assert.Equal([32L, 16, 1, 1], smallShapes["layer2.0.downsample.0.weight"]);
        Assert.Equal([128L, 128, 3, 3], smallShapes["layer4.1.conv2.weight"]);
        Assert.Equal([128L], smallShapes["layer4.1.bn2.running_var"]);
        Assert.Equal([512L, 512, 3, 3], fullShapes["layer4.1.conv2.weight"]);
        Assert.Equal(128, small.FeatureDim);
        Assert.Equal(512, full.FeatureDim);
        Assert.Equal(2048, (ResNetSpec.ResNet50 with { Width = 64 }).FeatureDim);
        using var x = torch.rand(2, 1, 32, 32);
        using var _ = torch.no_grad();
        using var h = small.call(x);
        Assert.Equal([2L, 128], h.shape);
        // parameters, counted by hand for width w (1-channel stem, no fc): 3x3 convolutions and downsampling 1x1s give
        // (36 + 128 + 512 + 2048) w^2, the 7x7 stem 49 w and the batch norms' weights and biases 150 w:
        // 11,170,240 at w = 64 (torchvision's resnet18 without fc, less conv1's two colour channels), 700,528 at w = 16
        static long Count(ResNetEncoder e) => e.parameters().Sum(p => p.numel());
        static long ByHand(long w) => 2724 * w * w + 199 * w;
        Assert.Equal(ByHand(64), Count(full));
        Assert.Equal(11_170_240L, ByHand(64));
        Assert.Equal(ByHand(16), Count(small));
    }

    [Fact]
    public void ConfigurationSetsWidthAndStagesAndLeavesDefaultsOutOfTheJson()
    {
        var options = new ImageEncoderOptions { Architecture = "resnet18", Weights = "none", Width = 8, Layers = [1, 1, 2, 1] };
        var spec = ModelFactory.ResolveImageSpec(options);
        Assert.Equal(8, spec.Width);
        Assert.Equal([1, 1, 2, 1], spec.Layers);
        Assert.Equal(ResNetBlockKind.Basic, spec.Block);
        var plain = ModelFactory.ResolveImageSpec(options with { Width = null, Layers = null });
        Assert.Equal(64, plain.Width);
        Assert.Equal([2, 2, 2, 2], plain.Layers);

        // a configuration without them writes no width/layers keys (run folders of earlier versions read and write as before)
        var json = ConVirtConfig.CpuSmall.ToJson();
        Assert.DoesNotContain("\"width\"", json);
        Assert.DoesNotContain("\"layers\"", json);
        var small = ConVirtConfig.CpuSmall with { Model = ConVirtConfig.CpuSmall.Model with { Image = options } };
        var back = ConVirtConfig.FromJson(small.ToJson());
        Assert.Equal(8, back.Model.Image.Width);
        Assert.Equal([1, 1, 2, 1], back.Model.Image.Layers!);
    }

    [Theory]
    [InlineData(0, null, "none", "width must be within 1..4096, got 0")]
    [InlineData(null, new[] { 2, 2, 2 }, "none", "layers must be 4 stage block counts within 1..64, got [2, 2, 2]")]
    [InlineData(null, new[] { 2, 0, 2, 2 }, "none", "layers must be 4 stage block counts within 1..64, got [2, 0, 2, 2]")]
    [InlineData(16, null, "imagenet", "width and layers apply to random or file weights only")]
    public void BadWidthOrStagesAreRefusedByName(int? width, int[]? layers, string weights, string message)
    {
        var config = ConVirtConfig.CpuSmall with
        {
            Model = ConVirtConfig.CpuSmall.Model with { Image = ConVirtConfig.CpuSmall.Model.Image with { Weights = weights, Width = width, Layers = layers } },
        };
        var e = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains(message, e.Message);
        Assert.Throws<ArgumentException>(() => new ResNetEncoder(ResNetSpec.ResNet18 with { Width = width ?? 0, Layers = layers ?? [2, 2, 2] }));
    }
}
