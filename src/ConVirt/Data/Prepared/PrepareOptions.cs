using ConVirt.Data;
namespace ConVirt.Data.Prepared;

/// <summary>What <see cref="PrepareJob"/> prepares and how.</summary>
internal sealed record PrepareOptions
{
    /// <summary>The manifests (JSON Lines or CSV), read in order and concatenated.</summary>
    public required IReadOnlyList<string> Manifests { get; init; }
    /// <summary>Output folder (created; a folder holding another dataset is refused).</summary>
    public required string Out { get; init; }
    /// <summary>Short side of the stored images (area-averaged down, never enlarged).</summary>
    public int ShortSide { get; init; } = 256;
    /// <summary>Rows per shard.</summary>
    public int ShardSize { get; init; } = 2000;
    /// <summary>Bits per gray sample: 8 or 16.</summary>
    public int Bits { get; init; } = 8;
    /// <summary>Decoding threads; 0 = every core.</summary>
    public int Threads { get; init; }
    /// <summary>DICOM rows: the VOI rule applied when decoding (<c>first</c> window, <c>minmax</c> or <c>index:N</c>).</summary>
    public string DicomWindow { get; init; } = "first";
    /// <summary>Vocabulary whose tokenizer checks the text (a sentence must yield a token), as pretraining does.</summary>
    public string Vocab { get; init; } = Text.PackagedTextModels.MiniLM;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public PrepareOptions Validate()
    {
        if (Manifests.Count == 0) throw new ArgumentException("no manifest given (--data)");
        if (string.IsNullOrWhiteSpace(Out)) throw new ArgumentException("no output folder given (--out)");
        if (ShortSide is < 8 or > 8192) throw new ArgumentException($"--short-side must be in [8, 8192]; got {ShortSide}");
        if (ShardSize is < 1 or > 1_000_000) throw new ArgumentException($"--shard-size must be in [1, 1000000]; got {ShardSize}");
        if (Bits is not (8 or 16)) throw new ArgumentException($"--bits must be 8 or 16; got {Bits}");
        if (Threads < 0) throw new ArgumentException($"--threads must be >= 0; got {Threads}");
        try { _ = DicomWindowChoice.Parse(DicomWindow); }
        catch (FormatException e) { throw new ArgumentException($"--dicom-window: {e.Message}"); }
        return this;
    }
}

/// <summary>Progress of <see cref="PrepareJob"/>.</summary>
/// <param name="Done">Rows handled (written or skipped) in this run.</param>
/// <param name="Total">Rows this run has to handle (rows in shards kept from an earlier run excluded).</param>
/// <param name="RowsPerSecond">Rate since this run started.</param>
/// <param name="Eta">Estimated time left, or null before the rate is known.</param>
/// <param name="Message">A line for people (a note, a finished shard), or null for plain progress.</param>
internal sealed record PrepareProgress(int Done, int Total, double RowsPerSecond, TimeSpan? Eta, string? Message = null);

/// <summary>What a prepare run did.</summary>
/// <param name="Info">The dataset.json written.</param>
/// <param name="KeptShards">Shards found finished (size and hash as recorded) and kept from an earlier run.</param>
/// <param name="WrittenShards">Shards written by this run.</param>
/// <param name="Seconds">Wall time of this run.</param>
internal sealed record PrepareResult(PreparedDatasetInfo Info, int KeptShards, int WrittenShards, double Seconds);
