using ConVirt.Evaluation;
using ConVirt.Evaluation.ZeroShot;
using TorchSharp;

namespace ConVirt;

/// <summary>
/// Where <see cref="ConVirtEvaluation"/> reaches the evaluation jobs: the public options become the jobs' own, the
/// jobs' results become the public records. No evaluation arithmetic here; <c>convirt evaluate linear / retrieval /
/// zeroshot</c> come through these methods too (after their own option checks, which keep the command-line names).
/// </summary>
internal static class EvaluationSeam
{
    /// <summary>Runs <see cref="LinearEvaluationJob"/> for options already validated.</summary>
    internal static LinearProbeResult LinearProbe(LinearProbeOptions o, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Prepare(o.Threads);
        cancellationToken.ThrowIfCancellationRequested();
        bool filter = o.IgnoreValues is not null || o.PositiveValues is not null;
        var r = LinearEvaluationJob.Run(new LabelEfficiencyOptions
        {
            Encoder = o.Encoder, Train = o.TrainManifest, Test = o.TestManifest, Label = o.Label, TrainSplit = o.TrainSplit, TestSplit = o.TestSplit, ImageRoot = o.ImageRoot,
            Fractions = [.. o.Fractions], Runs = o.Runs, Out = o.OutputFolder, ImageSize = o.ImageSize, Seed = o.Seed,
            Device = DeviceName(o.DeviceName, o.Device), Precision = EncoderSeam.Mode(o.Precision), Backend = EncoderSeam.Backend(o.Backend),
            LabelValues = filter ? new LabelValueFilter(Values(o.IgnoreValues) ?? [], Values(o.PositiveValues)) : null,
        }, progress, cancellationToken);
        int keys = r.Label.Split(',').Length;
        var kind = keys > 1 ? LabelTaskKind.MultiLabel : r.Classes.Count == 2 ? LabelTaskKind.Binary : LabelTaskKind.MultiClass;
        return new LinearProbeResult(Encoder(r.Encoder), r.Label, kind, r.Classes, Data(r.Train), Data(r.Test), r.ImageSize, r.Seed,
            r.Fractions.Select(f => new LabelFractionScores(f.Fraction, f.TrainCount, Interval(f.Auc), Interval(f.Accuracy), Interval(f.BalancedAccuracy),
                f.Interval == IntervalSource.TestSet ? ScoreIntervalSource.TestSet : ScoreIntervalSource.Runs,
                f.Runs.Select(s => new LinearProbeRun(s.Run, s.Seed, s.TrainCount, s.Auc, s.Accuracy, s.BalancedAccuracy, s.L2 ?? double.NaN)).ToList())).ToList(),
            r.Settings, r.ToMarkdown());
    }

    /// <summary>Runs <see cref="RetrievalJob"/> for options already validated.</summary>
    internal static RetrievalEvaluationResult Retrieval(RetrievalEvaluationOptions o, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Prepare(o.Threads);
        var r = RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = o.Encoder, Queries = o.QueryManifest, Candidates = o.CandidateManifest, Label = o.Label, QuerySplit = o.QuerySplit, ImageRoot = o.ImageRoot,
            CandidateSplit = o.CandidateSplit, Ks = [.. o.Ks], TextQueries = o.TextQueriesFile, Sheets = o.ContactSheetFolder, Out = o.OutputFolder,
            ImageSize = o.ImageSize, Seed = o.Seed, Device = DeviceName(o.DeviceName, o.Device), Precision = EncoderSeam.Mode(o.Precision), Backend = EncoderSeam.Backend(o.Backend),
        }, progress, cancellationToken);
        var text = r.TextToImage is null ? null
            : Precision(r.TextToImage, r.TextToImageInterval!, r.TextToImageClassMean!, r.TextToImageByLabel!);
        return new RetrievalEvaluationResult(Encoder(r.Encoder), r.Label, r.Features != "h_v", Data(r.Queries), Data(r.Candidates), r.SelfExcluded, r.Ks,
            Precision(r.ImageToImage, r.ImageToImageInterval, r.ImageToImageClassMean, r.ImageToImageByLabel), r.TextQueries, text, r.ImageSize,
            r.ToMarkdown());
    }

    /// <summary>Runs <see cref="ZeroShotJob"/> for options already validated.</summary>
    internal static ZeroShotEvaluationResult ZeroShot(ZeroShotEvaluationOptions o, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        Prepare(o.Threads);
        var r = ZeroShotJob.Run(new ZeroShotOptions
        {
            Encoder = o.Encoder, Data = o.DataManifest, Prompts = o.PromptsFile, Label = o.Label,
            Mode = o.Mode == ZeroShotEvaluationMode.Pairs ? ZeroShotMode.Pairs : ZeroShotMode.Classes,
            Split = o.Split, ImageRoot = o.ImageRoot, Resamples = o.Resamples, Out = o.OutputFolder, ImageSize = o.ImageSize,
            Device = DeviceName(o.DeviceName, o.Device), Precision = EncoderSeam.Mode(o.Precision), Backend = EncoderSeam.Backend(o.Backend),
        }, progress, cancellationToken);
        return new ZeroShotEvaluationResult(Encoder(r.Encoder), r.Mode == "pairs" ? ZeroShotEvaluationMode.Pairs : ZeroShotEvaluationMode.Classes,
            r.Label, r.Prompts, r.PromptCounts, Data(r.Data), r.Temperature, r.SkippedRows, r.Classes,
            Interval(r.Accuracy), Interval(r.BalancedAccuracy), Interval(r.MacroAuc),
            r.Confusion?.Select(row => (IReadOnlyList<int>)row.ToArray()).ToList(),
            r.Findings?.ToDictionary(f => f.Key, f => new ZeroShotFindingScore(f.Value.Positives, f.Value.Negatives, Interval(f.Value.Auc)), StringComparer.Ordinal),
            Interval(r.MeanAuc), r.ImageSize, r.ToMarkdown());
    }

    /// <summary>The native library, and libtorch's threads when asked (as <c>--threads</c> does).</summary>
    static void Prepare(int threads)
    {
        Runtime.NativeRuntime.EnsureLoaded();
        if (threads > 0) torch.set_num_threads(threads);
    }

    static string DeviceName(string? name, ComputeDevice device) => name ?? (device == ComputeDevice.Cuda ? "cuda" : "cpu");

    static string[]? Values(IReadOnlyList<string>? values) => values?.Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();

    static ScoreInterval Interval(MeanInterval m) => new(m.Mean, m.Low, m.High);

    static ScoreInterval? Interval(MeanInterval? m) => m is { } v ? Interval(v) : null;

    static EvaluationDataSet Data(DataSetInfo d) => new(d.Manifest, d.Split, d.Rows, d.NullLabelRows, d.UnreadableImages);

    static EvaluatedEncoder Encoder(EncoderInfo e) => new(e.Name, e.Label,
        e.Name is "imagenet" or "random" ? null : PretrainingMethodNames.TryParse(e.Method), e.Architecture, e.ImageWeights);

    static RetrievalPrecision Precision(IReadOnlyList<double> overall, IReadOnlyList<MeanInterval> interval, IReadOnlyList<MeanInterval> classMean,
        IReadOnlyDictionary<string, LabelPrecision> byLabel) => new(overall, interval.Select(Interval).ToList(), classMean.Select(Interval).ToList(),
        byLabel.ToDictionary(l => l.Key, l => new LabelRetrievalPrecision(l.Value.Queries, l.Value.Precision), StringComparer.Ordinal));
}
