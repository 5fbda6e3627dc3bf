// Pretrains ConVIRT (cpu-small) on a manifest, printing progress, then classifies images zero-shot from prompts:
//   dotnet run --project samples/Pretrain -- MANIFEST RUN_FOLDER [EPOCHS]
// MANIFEST: JSON Lines or CSV (docs/pretraining.md); `convirt demo` writes a synthetic one to
// convirt-demo/data/manifest.jsonl. Ctrl+C stops between steps; run again to resume from the last checkpoint.
using ConVirt;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: Pretrain MANIFEST RUN_FOLDER [EPOCHS]");
    return 2;
}
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var options = new PretrainingOptions
{
    TrainManifest = args[0],
    RunFolder = args[1],
    Epochs = args.Length == 3 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2,
    Resume = Directory.Exists(Path.Combine(args[1], "checkpoints")),
};
var progress = new SynchronousProgress<PretrainingProgress>(p =>
{
    if (p.Kind == PretrainingProgressKind.Step)
        Console.WriteLine($"epoch {p.Epoch + 1}/{p.Epochs}  step {p.Step}  loss {p.Loss:F4}  {p.PairsPerSecond:F1} pairs/s");
    else if (p.Message is not null)
        Console.WriteLine(p.Message);
});
PretrainingResult result;
try
{
    result = ConVirtPretraining.Run(options, progress, cancel.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine($"stopped; run again to resume from {args[1]}");
    return 130;
}
using var encoder = result.Encoder;
Console.WriteLine($"{result.StopReason}: {result.Steps} steps, {result.Epochs} epochs, {result.PairsPerSecond:F1} pairs/s");

// zero-shot on up to 8 images of the manifest's folder (class -> prompts; the prompts suit the demo's findings)
var prompts = new Dictionary<string, IReadOnlyList<string>>
{
    ["normal"] = ["no acute cardiopulmonary abnormality", "the lungs are clear"],
    ["effusion"] = ["small pleural effusion", "blunting of the costophrenic angle"],
    ["pneumothorax"] = ["pneumothorax", "no lung markings at the apex"],
};
var folder = Path.GetDirectoryName(Path.GetFullPath(args[0]))!;
var images = Directory.EnumerateFiles(folder, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(8).ToList();
foreach (var (image, prediction) in images.Zip(encoder.ZeroShot(images, prompts)))
    Console.WriteLine($"{Path.GetFileName(image)}: {prediction.PredictedClass} ({prediction.Probabilities[prediction.PredictedClass]:P0})");
return 0;

/// <summary>Reports on the caller's thread, in order (System.Progress would post to the thread pool).</summary>
sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
