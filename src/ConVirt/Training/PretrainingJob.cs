using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;
using TorchSharp;

namespace ConVirt.Training;

/// <summary>
/// `convirt pretrain` as a library call: opens the data (<see cref="PretrainingData"/>: manifests, every row checked, or a
/// prepared dataset, streamed), builds the model from the
/// configuration (and its weights), and trains with <see cref="Pretrainer"/>.
/// </summary>
internal static class PretrainingJob
{
    /// <summary>Rows for training and validation after split selection, with what was skipped.</summary>
    public static (IReadOnlyList<ManifestRow> Train, IReadOnlyList<ManifestRow> Validation, List<string> Notes) LoadRows(PretrainingInputs inputs, bool requireText)
    {
        var notes = new List<string>();
        var trainPaths = PretrainingInputs.Paths(inputs.TrainManifest);
        if (trainPaths.Count == 0) throw new ArgumentException("no training manifest given", nameof(inputs));
        var loadedTrain = new List<ManifestRow>();
        foreach (var path in trainPaths)
        {
            var train = Load(path);
            notes.AddRange(train.Issues.Take(20).Select(i => i.ToString()));
            loadedTrain.AddRange(train.Rows);
        }
        // each manifest refuses its own duplicate ids; only ids shared between manifests are left to check
        if (trainPaths.Count > 1 && loadedTrain.GroupBy(r => r.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ManifestException(inputs.TrainManifest, $"{inputs.TrainManifest}: row id '{duplicate.Key}' appears in more than one of the training manifests; ids must be unique across them");
        bool hasSplits = loadedTrain.Any(r => r.Split is not null);
        IReadOnlyList<ManifestRow> trainRows = hasSplits && inputs.TrainSplit is not null
            ? loadedTrain.Where(r => r.Split == inputs.TrainSplit).ToList() : loadedTrain;
        IReadOnlyList<ManifestRow> valRows = [];
        if (inputs.ValidationManifest is not null)
        {
            var loadedVal = new List<ManifestRow>();
            foreach (var path in PretrainingInputs.Paths(inputs.ValidationManifest))
            {
                var val = Load(path);
                loadedVal.AddRange(val.Rows.Any(r => r.Split is not null) && inputs.ValidationSplit is not null && val.Rows.Any(r => r.Split == inputs.ValidationSplit)
                    ? val.Rows.Where(r => r.Split == inputs.ValidationSplit) : val.Rows);
            }
            valRows = loadedVal;
        }
        else if (hasSplits && inputs.ValidationSplit is not null)
        {
            valRows = loadedTrain.Where(r => r.Split == inputs.ValidationSplit).ToList();
        }
        if (trainRows.Count < 2)
            throw new ManifestException(inputs.TrainManifest, $"{inputs.TrainManifest}: only {trainRows.Count} usable training rows" +
                (hasSplits ? $" with split '{inputs.TrainSplit}'" : "") + "; at least 2 pairs are needed");
        notes.Add($"training rows: {trainRows.Count}, validation rows: {valRows.Count}");
        return (trainRows, valRows, notes);

        ManifestLoadResult Load(string path)
        {
            var loaded = Manifest.Load(path, new ManifestOptions(RequireText: requireText) { ImageRoot = inputs.ImageRoot });
            notes.Add($"{Path.GetFileName(path)}: {loaded.Summary()}");
            return loaded;
        }
    }

    /// <summary>Builds the objective, data sources and trainer, then trains.</summary>
    /// <param name="config">The run's configuration.</param>
    /// <param name="inputs">Training and validation data.</param>
    /// <param name="runDirectory">Run folder (checkpoints, metrics, TensorBoard events).</param>
    /// <param name="resume">Continue from the run folder's latest checkpoint.</param>
    /// <param name="progress">Receives progress (rank 0 only); may be null.</param>
    /// <param name="maxSteps">Stop after this many optimiser steps in total; null = no limit.</param>
    /// <param name="cancellation">Stops the run between steps.</param>
    /// <param name="collectives">The ranks of a data-parallel job (<see cref="Distributed.MpiLaunch.Collectives"/>); null = one process.
    /// Every rank reads the data and the run folder's checkpoint; only rank 0 writes and reports progress.</param>
    public static TrainingResult Run(ConVirtConfig config, PretrainingInputs inputs, string runDirectory, bool resume,
        IProgress<TrainingProgress>? progress = null, long? maxSteps = null, CancellationToken cancellation = default,
        Distributed.ICollectives? collectives = null)
    {
        collectives ??= Distributed.SingleProcessCollectives.Instance;
        if (collectives.Rank != 0) progress = null;
        // one writer per run folder, taken before any data is read, so that a second start is refused at once
        using var folderLock = collectives.Rank == 0 ? Runtime.FolderLock.Acquire(runDirectory, "pretrain") : null;
        config = Distributed.RankPlacement.Apply(config, collectives, text => progress?.Report(Message(text)));
        var prepared = Prepare(config, inputs, progress, collectives.Size);
        using var distribution = Distributed.DataParallelTraining.For(collectives);
        var trainer = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, runDirectory)
            { Progress = progress, MaxSteps = maxSteps, Distribution = distribution };
        try
        {
            return trainer.Run(resume, cancellation);
        }
        finally
        {
            (prepared.Train as IDisposable)?.Dispose();        // streamed sources hold shard files open
            (prepared.Validation as IDisposable)?.Dispose();
        }
    }

    /// <summary>Reads and checks the data, builds the model with its initial weights and the objective.</summary>
    /// <param name="config">The run's configuration.</param>
    /// <param name="inputs">Training and validation data.</param>
    /// <param name="progress">Receives lines for people; may be null.</param>
    /// <param name="ranks">Data-parallel ranks the batches are split over: a batch is kept only with at least 2 pairs per rank.</param>
    public static PreparedPretraining Prepare(ConVirtConfig config, PretrainingInputs inputs, IProgress<TrainingProgress>? progress = null, int ranks = 1)
    {
        config.Validate();
        Runtime.NativeRuntime.EnsureLoaded();
        if (config.Threads > 0) torch.set_num_threads(config.Threads);
        var method = PretrainingMethods.Get(config.Method);
        var data = PretrainingData.Open(inputs, requireText: method.NeedsText || inputs.PairedOnly);
        foreach (var n in data.Notes) progress?.Report(Message(n));

        torch.manual_seed(config.Seed);
        var built = method.Create(config);
        foreach (var n in built.Notes) progress?.Report(Message(n));
        config = built.Config;
        var baseOptions = new PairedSourceOptions
        {
            BatchSize = config.Optimizer.BatchSize, ImageSize = config.Data.ImageSize, MaxTokens = config.Model.Text.MaxLength, Seed = config.Seed,
            WithText = method.NeedsText, Views = method.Views, DecodeCacheImages = config.Data.DecodeCacheImages, MinBatch = Math.Max(2, 2 * ranks),
        };
        var trainOptions = baseOptions with { Augmentation = config.Data.Augmentation, Shuffle = true };
        var validationOptions = baseOptions with { Augmentation = method.AugmentValidation ? config.Data.Augmentation : null, Shuffle = false, MinBatch = 2 };
        var (train, val) = data.CreateSources(config, built.Tokenizer, trainOptions, validationOptions, text => progress?.Report(Message(text)));
        return new PreparedPretraining(config, built.Objective, built.Tokenizer, train, val);
    }

    private static TrainingProgress Message(string text) => TrainingProgress.Note(text);
}
