using ConVirt.Configuration;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Synthetic;
using ConVirt.Interop;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Tests.Pipeline;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Training;

/// <summary>
/// A fourth method is one class plus its registration: a toy method (one view, no text, a loss that pulls projections
/// to the origin) trains through the same job, trainer and step, and its run folder loads as an encoder.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MethodStrategyTests
{
    /// <summary>The toy method: everything a method owns, in one class.</summary>
    private sealed class ToyMethod : IPretrainingMethod
    {
        public string Name => "toy";
        public string Description => "test only: one view, projections pulled to the origin";
        public bool NeedsText => false;
        public int Views => 1;
        public bool AugmentValidation => false;
        public ConVirtConfig WithDefaults(ConVirtConfig config) => config with { Loss = config.Loss with { Temperature = 0.5 } };
        public PretrainingModel Create(ConVirtConfig config, string? vocabulary = null)
        {
            var (encoder, note) = ModelFactory.BuildImageEncoder(config.Model.Image);
            return new PretrainingModel(new ToyObjective(new SimClrModel(encoder, config.Model.ProjectionHidden, config.Model.ProjectionDim)), null, config, [note]);
        }
    }

    private sealed class ToyObjective(SimClrModel model) : IPretrainingObjective
    {
        public nn.Module Module => model;
        public ResNetEncoder ImageEncoder => model.ImageEncoder;
        public ConVirtModel? JointModel => null;
        public Tensor[] Inputs(PairBatch batch, Device device) => [BatchTensors.Images(batch.Images, batch.Count, batch.Size, device)];
        public Tensor[] Embed(Tensor[] inputs) => [model.call(inputs[0])];
        public ContrastiveLossOutput LossRows(Tensor[] embeddings, long offset, long count)
        {
            var share = embeddings[0].narrow(0, offset, count).pow(2).sum() / embeddings[0].shape[0];
            return new ContrastiveLossOutput(share, share.alias(), share.alias());
        }
    }

    private static IPretrainingMethod Toy()
    {
        lock (typeof(MethodStrategyTests))
        {
            if (!PretrainingMethods.Names.Contains("toy")) PretrainingMethods.Register(new ToyMethod());
        }
        return PretrainingMethods.Get("toy");
    }

    [Fact]
    public void TheRegistryMapsNamesToStrategiesAndRefusesUnknownOnes()
    {
        Assert.IsType<ConVirtMethod>(PretrainingMethods.Get("convirt"));
        Assert.IsType<SimClrMethod>(PretrainingMethods.Get("SimCLR"));
        Assert.IsType<MoCoV2Method>(PretrainingMethods.Get("mocov2"));
        Assert.Equal(["convirt", "simclr", "mocov2"], PretrainingMethods.Names.Take(3));
        var e = Assert.Throws<ArgumentException>(() => PretrainingMethods.Get("byol"));
        Assert.StartsWith("unknown method 'byol': expected one of convirt, simclr, mocov2", e.Message);
        Assert.Throws<ArgumentException>(() => PretrainingMethods.Register(new ConVirtMethod()));   // a name once
        // the methods' own defaults: MoCo v2's temperature, the others keep the configuration's
        Assert.Equal(0.2, PretrainingMethods.Get("mocov2").WithDefaults(ConVirtConfig.CpuSmall).Loss.Temperature);
        Assert.Equal(ConVirtConfig.CpuSmall.Loss.Temperature, PretrainingMethods.Get("simclr").WithDefaults(ConVirtConfig.CpuSmall).Loss.Temperature);
        // what each needs from the data
        Assert.Equal((true, 1, false), (PretrainingMethods.Get("convirt").NeedsText, PretrainingMethods.Get("convirt").Views, PretrainingMethods.Get("convirt").AugmentValidation));
        Assert.Equal((false, 2, true), (PretrainingMethods.Get("simclr").NeedsText, PretrainingMethods.Get("simclr").Views, PretrainingMethods.Get("simclr").AugmentValidation));
    }

    [Fact]
    public void AToyMethodTrainsThroughTheOneLoopAndItsRunLoadsAsAnEncoder()
    {
        var toy = Toy();
        var data = TinyRuns.TempFolder("toy-data");
        SyntheticDataset.Write(data, 24, 32, seed: 8);
        var config = toy.WithDefaults(TinyRuns.Config(imageSize: 32, batch: 4, epochs: 1) with { Method = "toy", LogEverySteps = 1 });
        Assert.Equal(0.5, config.Loss.Temperature);
        var prepared = PretrainingJob.Prepare(config, new PretrainingInputs(Path.Combine(data, "manifest.jsonl")));
        Assert.IsType<ToyObjective>(prepared.Objective);
        Assert.Null(prepared.Tokenizer);
        var batch = prepared.Train.Build(0, 0);
        Assert.Null(batch.SecondViews);   // one view, as the method asked
        Assert.Null(batch.Tokens);        // no text

        var run = TinyRuns.TempFolder("toy-run");
        var before = prepared.Objective.ImageEncoder.named_parameters().First(p => p.name == "conv1.weight").parameter.detach().clone();
        var result = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, null, run) { MaxSteps = 3 }.Run(resume: false);
        Assert.Equal(StopReason.StepLimit, result.StopReason);
        Assert.Equal(3, result.State.Step);
        var losses = File.ReadLines(Path.Combine(run, RunFolder.Metrics)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToList();
        Assert.Equal(3, losses.Count);
        Assert.True(losses[2] < losses[0], $"the toy loss did not fall: {string.Join(", ", losses)}");   // Adam pulls the projections towards 0
        var trained = prepared.Objective.ImageEncoder.named_parameters().First(p => p.name == "conv1.weight").parameter;
        Assert.False(before.equal(trained).all().ToBoolean());

        var loaded = EncoderLoader.Load(run);
        Assert.Null(loaded.Model);
        Assert.Equal("toy", loaded.Config.Method);
        Assert.True(trained.equal(loaded.Image.named_parameters().First(p => p.name == "conv1.weight").parameter).all().ToBoolean(),
            "the loaded encoder is not the toy's trained image encoder");
    }
}
