using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;

namespace ConVirt.Training;

/// <summary>Pretraining data from manifests: rows loaded, then every image decoded and every report checked before the first step.</summary>
internal sealed class ManifestPretrainingData : PretrainingData
{
    /// <summary>Above this many training rows, a run says once that a prepared dataset would start faster.</summary>
    public const int PrepareHintRows = 20_000;

    private readonly PretrainingInputs inputs;
    private readonly IReadOnlyList<ManifestRow> train, validation;

    private ManifestPretrainingData(PretrainingInputs inputs, IReadOnlyList<ManifestRow> train, IReadOnlyList<ManifestRow> validation, List<string> notes)
    {
        this.inputs = inputs;
        this.train = train;
        this.validation = validation;
        Notes.AddRange(notes);
        if (train.Count > PrepareHintRows)
            Notes.Add($"{train.Count:N0} training rows: every image is decoded before the first step (and at every --resume); `convirt prepare --data {inputs.TrainManifest} --out DIR` once, then `--train DIR`, would start in seconds (docs/pretraining.md, large archives)");
    }

    /// <summary>Loads the manifests' rows (split selection as <see cref="PretrainingJob.LoadRows"/>).</summary>
    public static new ManifestPretrainingData Open(PretrainingInputs inputs, bool requireText)
    {
        var (train, validation, notes) = PretrainingJob.LoadRows(inputs, requireText);
        return new ManifestPretrainingData(inputs, train, validation, notes);
    }

    /// <inheritdoc />
    public override (IBatchSource Train, IBatchSource? Validation) CreateSources(ConVirtConfig config, WordPieceTokenizer? tokenizer, PairedSourceOptions trainOptions, PairedSourceOptions validationOptions, Action<string> report)
    {
        var trainSource = PairedBatchSource.Create(train, tokenizer, trainOptions,
            Path.GetFileName(inputs.TrainManifest));
        ReportSkips(report, "training", trainSource.Skipped);
        PairedBatchSource? val = null;
        if (validation.Count >= 2)
        {
            val = PairedBatchSource.Create(validation, tokenizer, validationOptions,
                Path.GetFileName(inputs.ValidationManifest ?? inputs.TrainManifest));
            ReportSkips(report, "validation", val.Skipped);
            if (val.BatchCount(0) == 0) val = null;
        }
        if (trainSource.BatchCount(0) == 0)
            throw new ManifestException(inputs.TrainManifest, $"{inputs.TrainManifest}: no batch of at least 2 usable pairs could be formed ({trainSource.Examples.Count} usable rows)");
        return (trainSource, val);
    }

    private static void ReportSkips(Action<string> report, string what, IReadOnlyList<string> skipped)
    {
        if (skipped.Count == 0) return;
        report($"{what}: {skipped.Count} rows skipped by the checks");
        foreach (var s in skipped.Take(20)) report("  " + s);
    }
}
