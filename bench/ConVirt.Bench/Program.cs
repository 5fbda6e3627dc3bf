using ConVirt.Configuration;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

var config = DemoJob.Config(new DemoOptions()) with { Optimizer = new OptimizerOptions { BatchSize = 32, LearningRate = double.Parse(args[0]) } };
var prepared = PretrainingJob.Prepare(config, new PretrainingInputs("/tmp/demo2/data/manifest.jsonl"));
var obj = (ConVirtObjective)prepared.Objective;
var (opt, counts) = OptimizerFactory.CreateAdam(obj.Model, config.Optimizer.LearningRate, 0);
Console.WriteLine(counts);
var vocab = ConVirt.Data.Text.PackagedTextModels.OpenVocab("minilm");
var words = new StreamReader(vocab).ReadToEnd().Split('\n').Select(x => x.Trim()).ToArray();
var b0 = prepared.Train.Build(0, 0);
for (int j = 0; j < 6; j++)
{
    var ex = prepared.Train.Examples[b0.Rows[j]];
    var ids = b0.Tokens!.InputIds.Skip(j * b0.Tokens.Length).Take(b0.Tokens.Length).Where(i => i != 0);
    Console.WriteLine($"{ex.Row.Labels["finding"]} | {ex.Sentences.Length} sentences | {string.Join(" ", ids.Select(i => words[i]))}");
    var img = b0.Images.AsSpan(j * 96 * 96, 96 * 96).ToArray();
    Console.WriteLine($"   image mean {img.Average():F3} bottom-left {img.Skip(70*96).Take(20*96).Average():F3}");
}
if (args.Length > 1) return;
obj.Model.train();

var w = obj.Model.named_parameters().First(p => p.name == "image_projection.0.weight").parameter;
var w0 = w.detach().clone();
for (int step = 0; step < 45; step++)
{
    var batch = prepared.Train.Build(step / 15, step % 15);
    using var scope = torch.NewDisposeScope();
    opt.zero_grad();
    var loss = obj.Loss(batch, torch.CPU);
    loss.Total.backward();
    var gnorm = obj.Model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.norm().ToDouble()).Sum();
    opt.step();
    Console.WriteLine($"{step} loss {loss.Total.ToDouble():F4} i2t {loss.ImageToText.ToDouble():F4} gradsum {gnorm:F4} moved {(w - w0).abs().sum().ToDouble():F4}");
}
