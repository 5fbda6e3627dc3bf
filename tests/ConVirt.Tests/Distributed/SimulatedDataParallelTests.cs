using ConVirt.Data.Pipeline;
using System.Collections.Concurrent;
using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Distributed;

/// <summary>
/// The data-parallel step on N simulated ranks in one process (MPI's collective semantics, no MPI) against the
/// single-process step over the whole batch with micro-batches of the ranks' slices, in float64: batch norm in
/// training mode (statistics per slice = per micro-batch) and text dropout on (the same masks only if every rank seeds
/// its slice as the single process seeds that chunk).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class SimulatedDataParallelTests
{
    const int B = 8;

    static ConVirtModel Tiny() => new(ResNetSpec.ResNet18,
        new BertSpec { VocabSize = 40, HiddenSize = 16, NumHeads = 2, NumLayers = 2, IntermediateSize = 32, MaxPositions = 16, HiddenDropout = 0.2, AttentionDropout = 0.2 },
        projectionHidden: 8, projectionDim: 8);

    [Theory]
    [InlineData(4, null)]   // one forward per rank, slices of 2
    [InlineData(2, 2)]      // gradient caching inside each rank: micro-batch 2 of slices of 4
    public void RanksGiveTheLossAndGradientsOfTheFullBatchWithMicroBatches(int ranks, int? microInRank)
    {
        torch.manual_seed(41);
        using var reference = Tiny();
        reference.to(float64);
        reference.TextEncoder.Freeze(freezeEmbeddings: true, frozenLayers: 1);
        reference.train();
        var state = reference.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        using var images = torch.rand(B, 1, 32, 32, dtype: float64);
        using var ids = torch.randint(3, 40, [B, 7], dtype: int64);
        using var mask = torch.ones(B, 7, dtype: int64);
        mask[1, TensorIndex.Slice(4)] = torch.tensor(0L);   // some padding
        mask[6, TensorIndex.Slice(5)] = torch.tensor(0L);
        var loss = new ConVirtLoss(0.1, 0.75);
        const long seed = 1234;

        var expected = TrainingStep.Backward(new ConVirtObjective(reference, loss), [images, ids, mask], GlobalNegatives.SingleProcess(B), microBatch: microInRank ?? B / ranks, seed);
        var expectedGrads = Gradients(reference);
        Assert.NotEmpty(expectedGrads);

        var results = new ConcurrentDictionary<int, (double Loss, Dictionary<string, double[]> Grads)>();
        SimulatedWorld.Run(ranks, world =>
        {
            using var model = Tiny();
            model.to(float64);
            model.TextEncoder.Freeze(freezeEmbeddings: true, frozenLayers: 1);
            model.load_state_dict(state);
            model.train();
            var slice = BatchSlice.Of(B, world.Rank, world.Size);
            var negatives = new GlobalNegatives(world, slice);
            using var x = images.narrow(0, slice.Offset, slice.Count);
            using var t = ids.narrow(0, slice.Offset, slice.Count);
            using var m = mask.narrow(0, slice.Offset, slice.Count);
            var output = TrainingStep.Backward(new ConVirtObjective(model, loss), [x, t, m], negatives, microInRank, seed);
            using var reducer = new GradientAllReduce(world, model.parameters().Where(p => p.requires_grad), bucketBytes: 64 << 10);
            Assert.True(reducer.Buckets > 1);
            reducer.Run();
            results[world.Rank] = (output.Total.ToDouble(), Gradients(model));
        });

        Assert.Equal(ranks, results.Count);
        foreach (var (rank, (l, grads)) in results)
        {
            Assert.True(Math.Abs(l - expected.Total.ToDouble()) <= 1e-10, $"rank {rank}: loss {l:R} against {expected.Total.ToDouble():R}");
            Assert.Equal(expectedGrads.Keys.Order(), grads.Keys.Order());
            foreach (var (name, e) in expectedGrads)
            {
                double diff = e.Zip(grads[name], (p, q) => Math.Abs(p - q)).Max();
                Assert.True(diff <= 1e-10, $"rank {rank}, {name}: max |Δgrad| = {diff:E2}");
            }
        }
        foreach (var v in state.Values) v.Dispose();
    }

    [Fact]
    public void GlobalNegativesOfUnequalSlicesGatherAndScatterRowsInBatchOrder()
    {
        // 7 rows over 3 ranks: slices of 2, 2, 3 rows; row i of the batch holds value i in every column
        var gathered = new ConcurrentDictionary<int, double[]>();
        var scattered = new ConcurrentDictionary<int, double[]>();
        SimulatedWorld.Run(3, world =>
        {
            var slice = BatchSlice.Of(7, world.Rank, 3);
            var negatives = new GlobalNegatives(world, slice);
            using var own = torch.arange(slice.Offset, slice.Offset + slice.Count, dtype: float64).unsqueeze(1).expand(slice.Count, 2).contiguous();
            using var all = negatives.Gather(own);
            gathered[world.Rank] = all.data<double>().ToArray();
            // every rank contributes (rank + 1) x row index: the sum is 6 x row index
            using var full = torch.arange(7, dtype: float64).unsqueeze(1).expand(7, 2).mul(world.Rank + 1).contiguous();
            using var mine = negatives.Scatter(full);
            scattered[world.Rank] = mine.data<double>().ToArray();
        });
        foreach (var (_, g) in gathered) Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], g);
        Assert.Equal([0, 0, 6, 6], scattered[0]);
        Assert.Equal([12, 12, 18, 18], scattered[1]);
        Assert.Equal([24, 24, 30, 30, 36, 36], scattered[2]);
    }

    [Theory]
    [InlineData("convirt", 3)]
    [InlineData("simclr", 3)]
    [InlineData("simclr", 2)]
    public void SharesOfTheGlobalLossAddUpToTheLossAndItsGradients(string method, int ranks)
    {
        // 7 rows over the ranks (unequal slices): each rank's share of the loss against the gathered rows, its
        // gradient scattered back, against the loss of the whole batch and its gradient rows (float64)
        torch.manual_seed(43);
        using var a = torch.randn(7, 5, dtype: float64);
        using var b = torch.randn(7, 5, dtype: float64);
        using var fa = a.detach().requires_grad_(true);
        using var fb = b.detach().requires_grad_(true);
        var convirt = new ConVirtLoss(0.1, 0.75);
        using var full = method == "convirt" ? convirt.Compute(fa, fb).Total : NtXentLoss.Compute(fa, fb, 0.1);
        full.backward();
        var results = new ConcurrentDictionary<int, (double Loss, double[] Ga, double[] Gb, BatchSlice Slice)>();
        SimulatedWorld.Run(ranks, world =>
        {
            var slice = BatchSlice.Of(7, world.Rank, world.Size);
            var negatives = new GlobalNegatives(world, slice);
            using var ownA = a.narrow(0, slice.Offset, slice.Count);
            using var ownB = b.narrow(0, slice.Offset, slice.Count);
            var (loss, g) = negatives.Backward([ownA, ownB], t =>
            {
                if (method == "convirt") return convirt.ComputeRows(t[0], t[1], slice.Offset, slice.Count);
                var share = NtXentLoss.ComputeRows(t[0], t[1], slice.Offset, slice.Count, 0.1);
                return new ContrastiveLossOutput(share, share, share);
            });
            results[world.Rank] = (loss.Total.ToDouble(), g[0].data<double>().ToArray(), g[1].data<double>().ToArray(), slice);
        });
        var ga = fa.grad!.data<double>().ToArray();
        var gb = fb.grad!.data<double>().ToArray();
        foreach (var (rank, r) in results)
        {
            Assert.True(Math.Abs(r.Loss - full.ToDouble()) <= 1e-12, $"rank {rank}: {r.Loss:R} against {full.ToDouble():R}");
            for (int i = 0; i < r.Ga.Length; i++)
            {
                Assert.True(Math.Abs(r.Ga[i] - ga[r.Slice.Offset * 5 + i]) <= 1e-12, $"rank {rank}: dL/da[{i}]");
                Assert.True(Math.Abs(r.Gb[i] - gb[r.Slice.Offset * 5 + i]) <= 1e-12, $"rank {rank}: dL/db[{i}]");
            }
        }
    }

    static Dictionary<string, double[]> Gradients(nn.Module model) => model.named_parameters()
        .Where(p => p.parameter.grad is not null)
        .ToDictionary(p => p.name, p => p.parameter.grad!.data<double>().ToArray());
}
