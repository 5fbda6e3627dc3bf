using System.Diagnostics;
using ConVirt.Configuration;
using ConVirt.Data.Augmentation;
using ConVirt.Models.Text;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

var config = ConVirtConfig.CpuSmall with
{
    Model = new ModelOptions
    {
        Image = new ImageEncoderOptions { Architecture = "resnet18", Weights = "none" },
        Text = new TextEncoderOptions { Bert = new BertSpec { HiddenSize = 64, NumHeads = 4, NumLayers = 2, IntermediateSize = 128, MaxPositions = 64 }, Weights = "none", Vocab = "minilm", FrozenLayers = 1, FreezeEmbeddings = false, MaxLength = 32 },
        ProjectionDim = 32, ProjectionHidden = 64,
    },
    Optimizer = new OptimizerOptions { BatchSize = 16, Epochs = 1, LearningRate = double.Parse(args[0]) },
    Data = new DataOptions { ImageSize = 48 },
};
var prepared = PretrainingJob.Prepare(config, new PretrainingInputs("/tmp/demo1/data/manifest.jsonl"));
var obj = (ConVirtObjective)prepared.Objective;
var (opt, _) = OptimizerFactory.CreateAdam(obj.Model, config.Optimizer.LearningRate, 0);
obj.Model.train();
for (int step = 0; step < 30; step++)
{
    using var scope = torch.NewDisposeScope();
    var batch = prepared.Train.Build(0, step % prepared.Train.BatchCount(0));
    opt.zero_grad();
    var tokens = batch.Tokens!;
    var images = BatchTensors.Images(batch.Images, batch.Count, batch.Size, torch.CPU);
    var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length]);
    var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length]);
    var (v, u) = obj.Model.call(images, ids, mask);
    var loss = new ConVirt.Losses.ConVirtLoss().Compute(v, u);
    loss.Total.backward();
    opt.step();
    var vn = nn.functional.normalize(v, 2, 1); var un = nn.functional.normalize(u, 2, 1);
    Console.WriteLine($"{step} loss {loss.Total.ToDouble():F4} v-spread {vn.std(0).mean().ToDouble():F4} u-spread {un.std(0).mean().ToDouble():F4} img-std {images.std().ToDouble():F3} L {tokens.Length}");
}
