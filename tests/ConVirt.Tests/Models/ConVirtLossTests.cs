using ConVirt.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class ConVirtLossTests
{
    [Fact]
    public void HandBuilt3x3CaseEqualsArithmetic()
    {
        // v = e1, e2, e3; u = e1, e2, (e1+e2)/|e1+e2|.  Cosines S[i,k] = <v_i, u_k>:
        //   row 1: [1, 0, 1/√2]   row 2: [0, 1, 1/√2]   row 3: [0, 0, 0]
        // τ = 0.5 -> logits = 2S.
        // v->u: l_1 = l_2 = log(e^2 + e^0 + e^√2) - 2 = log(7.389056 + 1 + 4.113250) - 2 = 0.5259131
        //       l_3 = log(3 e^0) - 0 = 1.0986123;  mean = (2·0.5259131 + 1.0986123) / 3 = 0.7168129
        // u->v (columns): l_1 = l_2 = log(e^2 + 2) - 2 = 0.2395448
        //       l_3 = log(e^√2 + e^√2 + e^0) - 0 = 2.2220799;  mean = (2·0.2395448 + 2.2220799) / 3 = 0.9003898
        // λ = 0.75: L = 0.75·0.7168129 + 0.25·0.9003898 = 0.7627071
        using var v = torch.eye(3);
        using var u = torch.tensor(new float[] { 1, 0, 0, 0, 1, 0, 1, 1, 0 }).view(3, 3);
        var loss = new ConVirtLoss(temperature: 0.5, lambda: 0.75).Compute(v, u);
        Assert.Equal(0.7168129, loss.ImageToText.ToDouble(), 5);
        Assert.Equal(0.9003898, loss.TextToImage.ToDouble(), 5);
        Assert.Equal(0.7627071, loss.Total.ToDouble(), 5);
    }

    [Fact]
    public void ScaleOfInputsDoesNotMatterBecauseSimilarityIsCosine()
    {
        torch.manual_seed(1);
        using var v = torch.randn(5, 8);
        using var u = torch.randn(5, 8);
        var loss = new ConVirtLoss(0.1, 0.75);
        var a = loss.Compute(v, u).Total.ToDouble();
        var b = loss.Compute(v * 7.5, u * 0.01).Total.ToDouble();
        Assert.Equal(a, b, 5);
    }

    [Fact]
    public void SymmetricWhenLambdaIsHalf()
    {
        torch.manual_seed(2);
        using var v = torch.randn(6, 4);
        using var u = torch.randn(6, 4);
        var loss = new ConVirtLoss(0.1, 0.5);
        var forward = loss.Compute(v, u);
        var swapped = loss.Compute(u, v);
        Assert.Equal(forward.Total.ToDouble(), swapped.Total.ToDouble(), 5);
        Assert.Equal(forward.ImageToText.ToDouble(), swapped.TextToImage.ToDouble(), 5);
        // and not symmetric in general with λ = 0.75 (the directions differ for random inputs)
        Assert.NotEqual(forward.ImageToText.ToDouble(), forward.TextToImage.ToDouble(), 3);
    }

    [Fact]
    public void GradientReachesBothInputs()
    {
        torch.manual_seed(3);
        using var v = torch.randn(4, 3, requires_grad: true);
        using var u = torch.randn(4, 3, requires_grad: true);
        new ConVirtLoss().Compute(v, u).Total.backward();
        Assert.True(v.grad!.abs().sum().ToDouble() > 1e-4);
        Assert.True(u.grad!.abs().sum().ToDouble() > 1e-4);
    }

    [Fact]
    public void RejectsMismatchedShapesAndBadParameters()
    {
        using var v = torch.randn(4, 3);
        using var u = torch.randn(5, 3);
        Assert.Throws<ArgumentException>(() => new ConVirtLoss().Compute(v, u));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConVirtLoss(temperature: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConVirtLoss(lambda: 1.5));
    }
}
