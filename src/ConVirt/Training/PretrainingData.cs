using ConVirt.Data.Prepared;
using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;

namespace ConVirt.Training;

/// <summary>
/// Where a pretraining run's batches come from: manifests (<see cref="ManifestPretrainingData"/>: every row decoded and
/// checked before the first step) or a prepared dataset (<see cref="PreparedPretrainingData"/>: shards streamed, nothing
/// read up front). The training loop only sees the <see cref="IBatchSource"/>s it is given.
/// </summary>
internal abstract class PretrainingData
{
    /// <summary>Lines for people about what was found (rows, skips, hints).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Opens the data named by <paramref name="inputs"/>: a prepared dataset when the training path is one, manifests otherwise.</summary>
    /// <param name="inputs">Training and validation data.</param>
    /// <param name="requireText">Rows must carry text (ConVIRT, or image-only methods with --paired-only).</param>
    public static PretrainingData Open(PretrainingInputs inputs, bool requireText)
    {
        var paths = PretrainingInputs.Paths(inputs.TrainManifest);
        if (paths.Any(DataSets.IsPrepared))
        {
            if (paths.Count > 1)
                throw new ManifestException(inputs.TrainManifest, $"{inputs.TrainManifest}: a prepared dataset is taken on its own (prepare several manifests into one: convirt prepare --data A,B)");
            return PreparedPretrainingData.Open(inputs, requireText);
        }
        return ManifestPretrainingData.Open(inputs, requireText);
    }

    /// <summary>The training source and the validation source (null when there is no validation data).</summary>
    /// <param name="config">Resolved configuration (image size, batch size, seed, augmentation, shuffle buffer).</param>
    /// <param name="tokenizer">Tokenizer of the text encoder, or null for image-only methods.</param>
    /// <param name="train">Batch options of the training source (augmented, shuffled).</param>
    /// <param name="validation">Batch options of the validation source (the method decides its transform; manifest order).</param>
    /// <param name="report">Receives lines for people.</param>
    public abstract (IBatchSource Train, IBatchSource? Validation) CreateSources(ConVirtConfig config, WordPieceTokenizer? tokenizer, PairedSourceOptions train, PairedSourceOptions validation, Action<string> report);
}
