// Evaluates an encoder the way `convirt evaluate linear`, `evaluate retrieval` and `evaluate zeroshot` do:
//   dotnet run --project samples/Evaluate -- ENCODER MANIFEST LABEL [PROMPTS]
// ENCODER: a run folder, a checkpoint, imagenet or random. MANIFEST: rows with train and test splits and the LABEL key
// (`convirt demo` writes convirt-demo/data/manifest.jsonl with the label `finding` and its run convirt-demo/run).
// PROMPTS (ConVIRT runs only): JSON Lines {"label", "text"} per value of LABEL, for zero-shot classification.
using ConVirt;

if (args.Length is < 3 or > 4)
{
    Console.Error.WriteLine("usage: Evaluate ENCODER MANIFEST LABEL [PROMPTS]");
    return 2;
}
string encoder = args[0], manifest = args[1], label = args[2];
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var progress = new SynchronousProgress<string>(line => Console.WriteLine($"  {line}"));

// evaluate:begin
// linear probe on frozen features at 10 % and 100 % of the training labels, 3 runs each
LinearProbeResult linear = ConVirtEvaluation.LinearProbe(new LinearProbeOptions
{
    Encoder = encoder, TrainManifest = manifest, TestManifest = manifest, Label = label,
    Fractions = [0.1, 1], Runs = 3, ImageSize = 224,
}, progress, cancel.Token);
foreach (LabelFractionScores f in linear.Fractions)
    Console.WriteLine($"linear {f.Fraction:P0} labels: AUC {f.Auc.Mean:F3} [{f.Auc.Low:F3}, {f.Auc.High:F3}], accuracy {f.Accuracy.Mean:F3}");

// image-to-image retrieval: test images against the training images, relevant when the label matches
RetrievalEvaluationResult retrieval = ConVirtEvaluation.Retrieval(new RetrievalEvaluationOptions
{
    Encoder = encoder, QueryManifest = manifest, QuerySplit = "test", CandidateManifest = manifest, CandidateSplit = "train",
    Label = label, Ks = [5, 10],
}, progress, cancel.Token);
for (int i = 0; i < retrieval.Ks.Count; i++)
    Console.WriteLine($"image -> image precision@{retrieval.Ks[i]}: {retrieval.ImageToImage.PrecisionAtK[i]:F3} (class-balanced {retrieval.ImageToImage.ClassBalanced[i].Mean:F3})");

// zero-shot classification of the test images from prompts alone (needs a ConVIRT run)
if (args.Length == 4)
{
    ZeroShotEvaluationResult zeroShot = ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
    {
        Encoder = encoder, DataManifest = manifest, Split = "test", PromptsFile = args[3], Label = label,
        Mode = ZeroShotEvaluationMode.Classes,
    }, progress, cancel.Token);
    Console.WriteLine($"zero-shot accuracy {zeroShot.Accuracy!.Value.Mean:F3}, balanced accuracy {zeroShot.BalancedAccuracy!.Value.Mean:F3}, macro AUC {zeroShot.MacroAuc!.Value.Mean:F3}");
}
// evaluate:end
return 0;

/// <summary>Reports on the caller's thread, in order (System.Progress would post to the thread pool).</summary>
sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
