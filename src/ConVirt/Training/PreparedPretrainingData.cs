using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Prepared;
using ConVirt.Data.Text;

namespace ConVirt.Training;

/// <summary>
/// Pretraining data from a prepared dataset: only dataset.json is read and the shards' presence and sizes checked
/// before the first step; rows stream from the shards (<see cref="StreamingBatchSource"/>). Split selection as for
/// manifests: the training split's shards (all when rows carry no split), validation from another prepared dataset or
/// manifest, or else the validation split's shards.
/// </summary>
internal sealed class PreparedPretrainingData : PretrainingData
{
    /// <summary>Problems reported per source before further ones are only counted.</summary>
    public const int ReportedIssues = 20;

    private readonly PretrainingInputs inputs;
    private readonly bool requireText;
    private readonly PreparedDataset dataset;
    private readonly IReadOnlyList<ShardInfo> trainShards;

    private PreparedPretrainingData(PretrainingInputs inputs, bool requireText, PreparedDataset dataset, IReadOnlyList<ShardInfo> trainShards)
    {
        this.inputs = inputs;
        this.requireText = requireText;
        this.dataset = dataset;
        this.trainShards = trainShards;
    }

    /// <summary>Opens the prepared dataset and selects the training shards (checked to exist with their recorded sizes).</summary>
    /// <exception cref="ManifestException">The dataset cannot be used, a shard is missing (named), or fewer than 2 rows are selected.</exception>
    public static new PreparedPretrainingData Open(PretrainingInputs inputs, bool requireText)
    {
        var dataset = Wrap(inputs.TrainManifest, () => PreparedDataset.Open(inputs.TrainManifest));
        var shards = dataset.Select(inputs.TrainSplit, requireText);
        Wrap(inputs.TrainManifest, () => { dataset.CheckFiles(shards); return 0; });
        int rows = shards.Sum(s => s.Rows);
        if (rows < 2)
            throw new ManifestException(inputs.TrainManifest, $"{inputs.TrainManifest}: only {rows} usable training rows" +
                (dataset.HasSplits ? $" with split '{inputs.TrainSplit}'" : "") + (requireText ? " with text" : "") + "; at least 2 pairs are needed");
        var data = new PreparedPretrainingData(inputs, requireText, dataset, shards);
        data.Notes.Add($"{inputs.TrainManifest}: prepared dataset, {dataset.Info.Rows:N0} rows in {dataset.Info.Shards.Count} shards ({dataset.Info.Options.ShortSide} px, {dataset.Info.Options.Bits}-bit), {dataset.Info.Skipped.Count} rows skipped by prepare");
        data.Notes.Add($"training rows: {rows:N0} in {shards.Count} shards (streamed, shuffle buffer per run configuration)");
        return data;
    }

    /// <inheritdoc />
    public override (IBatchSource Train, IBatchSource? Validation) CreateSources(ConVirtConfig config, WordPieceTokenizer? tokenizer, PairedSourceOptions trainOptions, PairedSourceOptions valOptions, Action<string> report)
    {
        var train = new StreamingBatchSource(dataset, trainShards, tokenizer, trainOptions, config.Data.ShuffleBuffer)
        {
            Issues = Limited(report, "training"),
        };
        IBatchSource? validation = null;
        if (inputs.ValidationManifest is { } valPath && !DataSets.IsPrepared(valPath))
        {
            var rows = PretrainingInputs.Paths(valPath).SelectMany(p => Manifest.Load(p, new ManifestOptions(RequireText: requireText) { ImageRoot = inputs.ImageRoot }).Rows).ToList();
            if (rows.Any(r => r.Split is not null) && inputs.ValidationSplit is not null && rows.Any(r => r.Split == inputs.ValidationSplit))
                rows = rows.Where(r => r.Split == inputs.ValidationSplit).ToList();
            if (rows.Count >= 2) validation = PairedBatchSource.Create(rows, tokenizer, valOptions, Path.GetFileName(valPath));
        }
        else
        {
            var valSet = inputs.ValidationManifest is { } other ? Wrap(other, () => PreparedDataset.Open(other)) : dataset;
            IReadOnlyList<ShardInfo> shards = [];
            if (inputs.ValidationManifest is not null)
                shards = valSet.Select(valSet.Info.Shards.Any(s => s.Split == inputs.ValidationSplit) ? inputs.ValidationSplit : null, requireText);
            else if (dataset.HasSplits && inputs.ValidationSplit is not null)
                shards = dataset.Select(inputs.ValidationSplit, requireText);
            if (shards.Sum(s => s.Rows) >= 2)
                validation = Wrap(inputs.ValidationManifest ?? inputs.TrainManifest, () => new StreamingBatchSource(valSet, shards, tokenizer, valOptions, 1) { Issues = Limited(report, "validation") });
        }
        if (validation is not null && validation.BatchCount(0) == 0) validation = null;
        report($"validation rows: {(validation is StreamingBatchSource s ? s.Rows : validation is PairedBatchSource p ? p.Examples.Count : 0):N0}");
        return (train, validation);
    }

    /// <summary>Reports the first <see cref="ReportedIssues"/> problems of a source, then every 1,000th as a count.</summary>
    private static Progress Limited(Action<string> report, string what) => new(report, what);

    private sealed class Progress(Action<string> report, string what) : IProgress<string>
    {
        private int count;

        public void Report(string value)
        {
            int n = Interlocked.Increment(ref count);
            if (n <= ReportedIssues) report($"{what}: {value}");
            else if (n % 1000 == 0) report($"{what}: {n:N0} problems so far (first {ReportedIssues} shown)");
        }
    }

    private static T Wrap<T>(string path, Func<T> open)
    {
        try { return open(); }
        catch (PreparedDatasetException e) { throw new ManifestException(path, e.Message, inner: e); }
    }
}
