using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Models;

/// <summary>Channels-last convolutions compute the same function and gradients as the NCHW path.</summary>
[Collection(TorchCollection.Name)]
public sealed class ChannelsLastTests
{
    [Fact]
    public void LayoutHelperMakesChannelsLastStridesWithTheSameValues()
    {
        using var x = torch.arange(2 * 3 * 4 * 5, dtype: float32).reshape(2, 3, 4, 5);
        using var cl = ChannelsLastConv.ToChannelsLast(x);
        Assert.Equal(new long[] { 60, 1, 15, 3 }, cl.stride());
        Assert.True(ChannelsLastConv.IsChannelsLast(cl));
        Assert.False(ChannelsLastConv.IsChannelsLast(x));
        Assert.True(cl.equal(x).all().ToBoolean());
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("resnet18-cntk")]
    public void OutputsAndParameterGradientsEqualTheNchwPath(string arch)
    {
        torch.manual_seed(5);
        using var plain = new ResNetEncoder(ResNetSpec.FromName(arch));
        using var fast = new ResNetEncoder(ResNetSpec.FromName(arch));
        fast.load_state_dict(plain.state_dict());
        fast.ChannelsLast = true;
        Assert.True(fast.ChannelsLast);
        Assert.False(plain.ChannelsLast);
        plain.train();
        fast.train();
        using var images = torch.rand(3, 1, 64, 64);
        using var a = plain.forward(images);
        using var b = fast.forward(images);
        // float32 sums in another order through up to 50 layers: equal to 1e-3 of the output's scale
        double outScale = a.abs().max().item<float>(), outDiff = (a - b).abs().max().item<float>();
        Assert.True(outDiff <= 1e-3 * outScale, $"max |a - b| = {outDiff}, max |a| = {outScale}");
        // Gradients in eval mode (train-mode batch norm over layer4's 2x2 maps amplifies rounding, testing batch norm
        // rather than the layout), against a float64 reference: the channels-last path may differ from the NCHW
        // float32 path only by float32 rounding, so its error from float64 is of the same size as NCHW's.
        using var exact = new ResNetEncoder(ResNetSpec.FromName(arch));
        exact.load_state_dict(plain.state_dict());
        exact.to(float64);
        foreach (var m in new[] { plain, fast, exact }) m.eval();
        using var target = torch.randn(a.shape, dtype: float64);
        using (var ea = plain.forward(images)) (ea * target.to(float32)).sum().backward();
        using (var eb = fast.forward(images)) (eb * target.to(float32)).sum().backward();
        using (var ex = exact.forward(images.to(float64))) (ex * target).sum().backward();
        var plainGrads = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        var exactGrads = exact.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, p) in fast.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.is_contiguous(), $"{name} is no longer a contiguous NCHW parameter");
            var reference = exactGrads[name];
            double scale = reference.abs().max().item<double>() + 1e-12;
            double errFast = (p.grad!.to(float64) - reference).abs().max().item<double>();
            double errPlain = (plainGrads[name].to(float64) - reference).abs().max().item<double>();
            Assert.True(errFast <= 1e-4 * scale,
                $"{name}: channels-last error {errFast:G3}, NCHW error {errPlain:G3}, gradient scale {scale:G3}");
        }
        // batch-norm running statistics moved the same way in the train-mode forward
        var buffersA = plain.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, buffer) in fast.named_buffers())
            if (buffer.is_floating_point())
                Assert.True(torch.allclose(buffer, buffersA[name], rtol: 1e-4, atol: 1e-5), name);
    }

    [Fact]
    public void ConvolutionOutputsStayChannelsLast()
    {
        torch.manual_seed(2);
        using var conv = nn.Conv2d(4, 8, 3, padding: 1, bias: false);
        using var x = torch.rand(2, 4, 9, 9);
        using var y = ChannelsLastConv.Call(conv, x, 1, 1, channelsLast: true);
        using var reference = conv.call(x);
        Assert.True(ChannelsLastConv.IsChannelsLast(y));
        Assert.True(torch.allclose(y, reference, rtol: 1e-5, atol: 1e-6));
    }
}
