using System.Collections.Concurrent;
using ConVirt.Data.Pipeline;
using ConVirt.Distributed;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Training;

/// <summary>
/// The one training step for every method: micro-batches give the whole batch's gradients (float64, batch norm from
/// running statistics), N simulated ranks give what one process with micro-batches of their slices gives (batch norm in
/// training mode, dropout on), a last, smaller batch is cut as N ranks cut it, and ranks agree on batch-norm statistics.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class TrainingStepTests
{
    static ResNetEncoder Encoder() => new(ResNetSpec.ResNet18 with { Layers = [1, 1, 1, 1] });

    /// <summary>A small objective of <paramref name="method"/> in float64, its inputs for <paramref name="rows"/> pairs, and its initial state.</summary>
    static (IPretrainingObjective Objective, Tensor[] Inputs) Build(string method, int rows, int seed)
    {
        torch.manual_seed(seed);
        IPretrainingObjective objective = method switch
        {
            "convirt" => new ConVirtObjective(new ConVirtModel(ResNetSpec.ResNet18 with { Layers = [1, 1, 1, 1] },
                new BertSpec { VocabSize = 40, HiddenSize = 16, NumHeads = 2, NumLayers = 2, IntermediateSize = 32, MaxPositions = 16, HiddenDropout = 0.2, AttentionDropout = 0.2 },
                projectionHidden: 8, projectionDim: 8), new ConVirtLoss(0.1, 0.75)),
            "simclr" => new SimClrObjective(new SimClrModel(Encoder(), 8, 8), 0.1),
            "mocov2" => new MoCoObjective(new MoCoModel(Encoder(), 8, 8, queueSize: 16, momentum: 0.9, seed: seed), 0.2),
            _ => throw new ArgumentException(method),
        };
        objective.Module.to(float64);
        torch.manual_seed(seed + 1);
        Tensor[] inputs = method == "convirt"
            ? [torch.rand(rows, 1, 32, 32, dtype: float64), torch.randint(3, 40, [rows, 7], dtype: int64), torch.ones(rows, 7, dtype: int64)]
            : [torch.rand(rows, 1, 32, 32, dtype: float64), torch.rand(rows, 1, 32, 32, dtype: float64)];
        return (objective, inputs);
    }

    static Dictionary<string, double[]> Gradients(nn.Module module) =>
        module.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.data<double>().ToArray());

    static void AssertClose(Dictionary<string, double[]> expected, Dictionary<string, double[]> actual, double tolerance, string what)
    {
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            double scale = Math.Max(1e-12, e.Max(Math.Abs));
            double diff = e.Zip(actual[name], (p, q) => Math.Abs(p - q)).Max();
            Assert.True(diff <= tolerance * scale + 1e-15, $"{what}, {name}: max |Δgrad| = {diff:E2} (scale {scale:E2})");
        }
    }

    [Theory]
    [InlineData("simclr")]
    [InlineData("mocov2")]
    [InlineData("convirt")]
    public void MicroBatchesGiveTheGradientsOfTheWholeBatch(string method)
    {
        const int rows = 6;
        var (objective, inputs) = Build(method, rows, seed: 51);
        objective.Module.eval();   // batch norm from running statistics and no dropout: the forward does not mix examples
        var state = objective.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

        var whole = TrainingStep.Backward(objective, inputs, GlobalNegatives.SingleProcess(rows), microBatch: null, seed: 7).Total.ToDouble();
        var expected = Gradients(objective.Module);
        objective.Module.zero_grad();
        objective.Module.load_state_dict(state);   // MoCo's momentum update ran once more: start from the same keys
        var cached = TrainingStep.Backward(objective, inputs, GlobalNegatives.SingleProcess(rows), microBatch: 2, seed: 7).Total.ToDouble();

        Assert.True(Math.Abs(whole - cached) <= 1e-12 * Math.Abs(whole), $"loss {whole:R} whole, {cached:R} in micro-batches");
        AssertClose(expected, Gradients(objective.Module), 1e-9, method);
    }

    [Theory]
    [InlineData("simclr", 8)]
    [InlineData("mocov2", 8)]
    [InlineData("convirt", 8)]
    [InlineData("convirt", 6)]   // the last batch of an epoch, smaller than the configured 8: cut 3 + 3 like two ranks, not 4 + 2
    [InlineData("simclr", 6)]
    public void TwoRanksGiveWhatOneProcessWithMicroBatchesOfTheirSlicesGives(string method, int rows)
    {
        const int configured = 8, ranks = 2;
        const long seed = 1234;
        var (reference, inputs) = Build(method, rows, seed: 61);
        reference.Module.train();   // batch norm per chunk = per slice; dropout on (the same masks only if chunks are seeded alike)
        var state = reference.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var expected = TrainingStep.Backward(reference, inputs, GlobalNegatives.SingleProcess(rows), microBatch: configured / ranks, seed, batchSize: configured).Total.ToDouble();
        var expectedGrads = Gradients(reference.Module);
        var expectedBuffers = reference.Module.named_buffers().ToDictionary(b => b.name, b => b.buffer.to(float64).data<double>().ToArray());

        var results = new ConcurrentDictionary<int, (double Loss, Dictionary<string, double[]> Grads, Dictionary<string, double[]> Buffers)>();
        SimulatedWorld.Run(ranks, world =>
        {
            var (objective, _) = Build(method, rows, seed: 61);
            objective.Module.load_state_dict(state);
            objective.Module.train();
            var slice = BatchSlice.Of(rows, world.Rank, world.Size);
            var own = inputs.Select(t => t.narrow(0, slice.Offset, slice.Count)).ToArray();
            var output = TrainingStep.Backward(objective, own, new GlobalNegatives(world, slice), microBatch: null, seed, batchSize: configured);
            using var reducer = new GradientAllReduce(world, objective.Module.parameters().Where(p => p.requires_grad));
            reducer.Run();
            results[world.Rank] = (output.Total.ToDouble(), Gradients(objective.Module),
                objective.Module.named_buffers().ToDictionary(b => b.name, b => b.buffer.to(float64).data<double>().ToArray()));
        });
        Assert.Equal(ranks, results.Count);
        foreach (var (rank, (loss, grads, buffers)) in results)
        {
            Assert.True(Math.Abs(loss - expected) <= 1e-10, $"rank {rank}: loss {loss:R} against {expected:R}");
            AssertClose(expectedGrads, grads, 1e-8, $"{method}, rank {rank}");
            if (method == "mocov2") Assert.Equal(expectedBuffers["queue"], buffers["queue"]);   // the same queue on every rank
        }
    }

    [Fact]
    public void ALastSmallerBatchIsCutIntoAsManyChunksAsAFullOne()
    {
        static string Plan(int rows, int? micro, int? configured, int rank = 0, int ranks = 1)
        {
            var (chunks, first) = TrainingStep.Chunks(new GlobalNegatives(new FakeWorld(rank, ranks), BatchSlice.Of(rows, rank, ranks)), micro, configured);
            return $"{first}:" + string.Join(",", chunks.Select(c => $"{c.Start}+{c.Length}"));
        }
        Assert.Equal("0:0+8,8+8", Plan(16, 8, 16));          // a full batch: micro-batches of 8
        Assert.Equal("0:0+5,5+5", Plan(10, 8, 16));          // the last batch of 10: two chunks of 5, as two ranks slice it (not 8 + 2)
        Assert.Equal("0:0+2,2+2", Plan(4, 4, 8));            // 4 rows of a configured 8 with micro 4: 2 + 2, not one chunk of 4
        Assert.Equal("0:0+4,4+4,8+4", Plan(12, 5, 12));      // ⌈12/5⌉ = 3 near-equal chunks
        Assert.Equal("0:0+7", Plan(7, null, 8));             // no micro-batch: one chunk
        Assert.Equal("2:0+2,2+2", Plan(8, 2, 8, rank: 1, ranks: 2));   // rank 1 of 2, micro 2 in its slice of 4: global chunks 2 and 3
        Assert.Equal("1:0+5", Plan(10, null, 16, rank: 1, ranks: 2)); // ranks without micro-batches: one chunk each, seeded by rank
    }

    [Fact]
    public void RanksAverageTheirBatchNormStatisticsAndNothingElse()
    {
        var results = new ConcurrentDictionary<int, (double[] Mean, double[] Var, long Tracked, double[] Weight)>();
        SimulatedWorld.Run(2, world =>
        {
            using var bn = nn.BatchNorm1d(3);
            using (torch.no_grad())
            {
                bn.running_mean!.copy_(torch.tensor(new float[] { 1, 2, 3 }).mul(world.Rank + 1));       // rank 0: 1 2 3, rank 1: 2 4 6
                bn.running_var!.copy_(torch.tensor(new float[] { 1, 1, 1 }).mul(world.Rank * 2 + 1));   // rank 0: 1, rank 1: 3
                bn.num_batches_tracked!.fill_(5 + world.Rank);
                bn.weight!.fill_(world.Rank + 1);
            }
            using var distribution = new DataParallelTraining(world);
            distribution.AverageRunningStatistics(bn);
            results[world.Rank] = (bn.running_mean!.to(float64).data<double>().ToArray(), bn.running_var!.to(float64).data<double>().ToArray(),
                bn.num_batches_tracked!.item<long>(), bn.weight!.to(float64).data<double>().ToArray());
        });
        foreach (var (rank, r) in results)
        {
            Assert.Equal([1.5, 3, 4.5], r.Mean);
            Assert.Equal([2, 2, 2], r.Var);
            Assert.Equal(5 + rank, r.Tracked);                      // a counter, not a statistic: left alone
            Assert.Equal(Enumerable.Repeat((double)rank + 1, 3), r.Weight);   // parameters are not touched
        }
    }

    /// <summary>A world that only answers rank and size (the chunk plan needs nothing else).</summary>
    private sealed class FakeWorld(int rank, int size) : ICollectives
    {
        public int Rank => rank;
        public int Size => size;
        public int LocalRank => rank;
        public int LocalSize => size;
        public void Broadcast(Tensor tensor, int root = 0) => throw new NotSupportedException();
        public void AllReduceSum(Tensor tensor) => throw new NotSupportedException();
        public Tensor AllGather(Tensor tensor) => throw new NotSupportedException();
        public Tensor ReduceScatterSum(Tensor tensor) => throw new NotSupportedException();
        public void Barrier() { }
        public void Abort(int exitCode) => throw new NotSupportedException();
        public void Dispose() { }
    }
}
