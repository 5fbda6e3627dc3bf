using ConVirt.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Runtime;

/// <summary>libtorch's NNPACK switch is off exactly where NNPACK cannot initialise, and convolutions compute the same.</summary>
[Collection(TorchCollection.Name)]
public sealed class NnpackSwitchTests
{
    [Fact]
    public void TheSwitchIsOffExactlyWhereNnpackCannotInitialise()
    {
        Assert.True(NativeRuntime.Status.Loaded);
        var status = NnpackSwitch.Initialise();
        Assert.NotNull(status);                       // libtorch 2.10's CPU build has NNPACK
        Assert.Equal(status != 0, NnpackSwitch.TurnedOff);
        Assert.Equal(status == 0, NnpackSwitch.Enabled());
    }

    [Fact]
    public void AFloat32ConvolutionEqualsItsFloat64Reference()
    {
        // the NCHW batch-1 convolution that asked for NNPACK (grounding maps of 1-channel images) still computes right
        torch.manual_seed(5);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(1, 1, 40, 40);
        var w = torch.randn(8, 1, 7, 7);
        var y = nn.functional.conv2d(x, w, strides: [2, 2], padding: [3, 3]);
        var reference = nn.functional.conv2d(x.to(float64), w.to(float64), strides: [2, 2], padding: [3, 3]);
        double error = (y.to(float64) - reference).abs().max().item<double>();
        Assert.True(error <= 1e-5 * reference.abs().max().item<double>(), $"max error {error:G3}");
    }
}
