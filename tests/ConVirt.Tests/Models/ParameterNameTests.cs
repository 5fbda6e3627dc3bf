using System.Globalization;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;

namespace ConVirt.Tests.Models;

/// <summary>Parameter names and shapes equal PyTorch's (../shared/reference, copied into TestData/reference).</summary>
[Collection(TorchCollection.Name)]
public sealed class ParameterNameTests
{
    static List<(string Key, long[] Shape)> ReadReference(string file, bool dropFc)
    {
        var rows = new List<(string, long[])>();
        foreach (var line in File.ReadLines(TestPaths.TestData("reference", file)))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            var parts = line.Split('\t');
            if (dropFc && parts[0].StartsWith("fc.", StringComparison.Ordinal)) continue;
            var dims = parts[1].Trim('[', ']');
            var shape = dims.Length == 0 ? [] : dims.Split(',').Select(s => long.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToArray();
            rows.Add((parts[0], shape));
        }
        return rows;
    }

    static List<(string Key, long[] Shape)> StateDict(torch.nn.Module module) =>
        module.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();

    // Same keys and shapes; TorchSharp lists parameters before buffers, PyTorch interleaves them per module,
    // and loading by name does not depend on order, so both sides are compared sorted by key.
    static void AssertSame(List<(string Key, long[] Shape)> expected, List<(string Key, long[] Shape)> actual)
    {
        expected = expected.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        actual = actual.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(e => e.Key).ToList(), actual.Select(a => a.Key).ToList());
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Shape.SequenceEqual(actual[i].Shape),
                $"{expected[i].Key}: expected [{string.Join(",", expected[i].Shape)}], got [{string.Join(",", actual[i].Shape)}]");
    }

    [Theory]
    [InlineData("resnet18", "torchvision-resnet18.state_dict.tsv", 122 - 2)]
    [InlineData("resnet50", "torchvision-resnet50.state_dict.tsv", 320 - 2)]
    public void ResNetMatchesTorchvisionWithoutFc(string arch, string file, int expectedCount)
    {
        using var encoder = new ResNetEncoder(ResNetSpec.FromName(arch) with { InChannels = 3 });
        var expected = ReadReference(file, dropFc: true);
        Assert.Equal(expectedCount, expected.Count);
        AssertSame(expected, StateDict(encoder));
    }

    [Fact]
    public void GrayscaleResNetDiffersOnlyInFirstConvolutionChannels()
    {
        using var encoder = new ResNetEncoder(ResNetSpec.ResNet18);
        var sd = StateDict(encoder);
        Assert.Equal([64L, 1, 7, 7], sd.Single(p => p.Key == "conv1.weight").Shape);
    }

    [Fact]
    public void BertMiniLmMatchesHuggingFace()
    {
        using var encoder = new BertTextEncoder(BertSpec.MiniLmL6);
        AssertSame(ReadReference("hf-minilm-l6.state_dict.tsv", dropFc: false), StateDict(encoder));
    }

    [Fact]
    public void BertBaseMatchesHuggingFace()
    {
        using var encoder = new BertTextEncoder(BertSpec.Base);
        AssertSame(ReadReference("hf-bert-base.state_dict.tsv", dropFc: false), StateDict(encoder));
    }

    [Fact]
    public void EncodersProducePooledFeaturesOfTheDocumentedWidth()
    {
        using var _ = torch.no_grad();
        using var r18 = new ResNetEncoder(ResNetSpec.ResNet18);
        r18.eval();
        using var x = torch.rand(2, 1, 64, 64);
        using var h = r18.call(x);
        Assert.Equal([2L, 512], h.shape);
        using var r50 = new ResNetEncoder(ResNetSpec.ResNet50);
        r50.eval();
        using var h50 = r50.call(x);
        Assert.Equal([2L, 2048], h50.shape);
        using var cntk = new ResNetEncoder(ResNetSpec.ResNet18Cntk);
        cntk.eval();
        using var x224 = torch.rand(1, 1, 224, 224);
        using var hc = cntk.call(x224);
        Assert.Equal([1L, 512], hc.shape);
    }
}
