using ConVirt.Data.Pipeline;
using ConVirt.Data.Synthetic;
using ConVirt.Losses;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Pipeline;

[Collection(TorchCollection.Name)]
public sealed class NonFiniteLossTests
{
    /// <summary>Wraps an objective and turns its loss into NaN from a given call on.</summary>
    private sealed class PoisonedObjective(IPretrainingObjective inner, int poisonFromCall) : IPretrainingObjective
    {
        private int calls;
        public nn.Module Module => inner.Module;
        public ConVirt.Models.Vision.ResNetEncoder ImageEncoder => inner.ImageEncoder;
        public ConVirt.Models.ConVirtModel? JointModel => inner.JointModel;
        public Tensor[] Inputs(PairBatch batch, Device device) => inner.Inputs(batch, device);
        public Tensor[] Embed(Tensor[] inputs) => inner.Embed(inputs);
        public ContrastiveLossOutput LossRows(Tensor[] embeddings, long offset, long count)
        {
            var loss = inner.LossRows(embeddings, offset, count);
            if (++calls < poisonFromCall) return loss;
            var nan = loss.Total * float.NaN;
            return new ContrastiveLossOutput(nan, loss.ImageToText, loss.TextToImage);
        }
        public void AfterStep() => inner.AfterStep();
    }

    [Fact]
    public void NaNLossStopsTheRunWithAMessageAndKeepsTheLastGoodCheckpoint()
    {
        var data = TinyRuns.TempFolder("nan-data");
        SyntheticDataset.Write(data, 40, 32, seed: 1);
        var config = TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1) with { LogEverySteps = 1, CheckpointEverySteps = 2 };
        var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(Path.Combine(data, "manifest.jsonl"), ValidationSplit: null));
        var run = TinyRuns.TempFolder("nan-run");
        var messages = new List<string>();
        var trainer = new Pretrainer(prepared.Config, new PoisonedObjective(prepared.Objective, poisonFromCall: 3), prepared.Train, null, run)
        {
            Progress = new Progress<TrainingProgress>(p => { if (p.Message is not null) lock (messages) messages.Add(p.Message); }),
        };
        var result = trainer.Run(resume: false);
        Assert.Equal(StopReason.NonFiniteLoss, result.StopReason);
        Assert.Equal("non-finite-loss", result.StopReason.ToText());
        Assert.Equal(3, result.State.Step);
        var latest = new CheckpointStore(run).Latest();
        Assert.NotNull(latest);
        Assert.EndsWith("step-00000002", latest);
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints", "step-00000003")));
        // the weights kept are finite
        var state = CheckpointStore.ReadState(latest!);
        Assert.Equal(2, state.Step);
        var weights = ConVirt.Interop.SafeTensors.Read(Path.Combine(latest!, "model.safetensors"));
        Assert.All(weights.Values, t => Assert.True(torch.isfinite(t).all().ToBoolean()));
        SpinWait.SpinUntil(() => { lock (messages) return messages.Any(m => m.Contains("NaN or infinite", StringComparison.Ordinal)); }, 2000);
        lock (messages) Assert.Contains(messages, m => m.Contains("NaN or infinite", StringComparison.Ordinal) && m.Contains("step-00000002", StringComparison.Ordinal));
    }
}
