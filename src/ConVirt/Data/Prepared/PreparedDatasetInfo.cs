using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConVirt.Data.Prepared;

/// <summary>The options that define a prepared dataset's content (the thread count does not).</summary>
/// <param name="ShortSide">Images are area-averaged down to this short side (never enlarged).</param>
/// <param name="DicomWindow">The VOI rule DICOM rows were decoded with (first, minmax, index:N).</param>
/// <param name="ShardSize">Rows per shard (the last shard of a group may hold fewer).</param>
/// <param name="Bits">Bits per gray sample of the PNGs: 8 or 16.</param>
internal sealed record PreparedOptions(int ShortSide, int ShardSize, int Bits, string DicomWindow = "first");

/// <summary>A manifest a dataset was prepared from.</summary>
/// <param name="Name">File name.</param>
/// <param name="Bytes">Size in bytes.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
internal sealed record PreparedInput(string Name, long Bytes, string Sha256);

/// <summary>One finished shard.</summary>
/// <param name="Name">File name, <c>shard-000000.tar</c>.</param>
/// <param name="Split">The split of every row in it (null: rows without a split).</param>
/// <param name="Text">Whether its rows carry report text (a <c>.txt</c> entry); image-only rows have shards of their own.</param>
/// <param name="Rows">Rows (samples) in it.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="FirstKey">Key of its first row.</param>
/// <param name="SourceEnd">Rows of its group (split, text) consumed up to and including this shard (for resuming).</param>
/// <param name="Skipped">Rows of the group left out while this shard was written, each <c>file:line: field 'x': why</c>.</param>
internal sealed record ShardInfo(string Name, string? Split, bool Text, int Rows, long Bytes, string Sha256, string FirstKey, int SourceEnd, IReadOnlyList<string> Skipped);

/// <summary>
/// <c>dataset.json</c> of a prepared dataset: how it was made, what it holds, and what was left out. Rewritten
/// (atomically) after every finished shard, with <see cref="Complete"/> false until the last one.
/// </summary>
/// <param name="Format">Format name and version, <see cref="FormatName"/>.</param>
/// <param name="Complete">Whether every shard has been written.</param>
/// <param name="Options">The content-defining options.</param>
/// <param name="Inputs">The manifests, in order.</param>
/// <param name="Identity">SHA-256 over options and inputs: a folder with another identity holds a different dataset.</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Counts">Rows per split (<c>(none)</c> for rows without one).</param>
/// <param name="Shards">The shards, in the order written.</param>
/// <param name="Skipped">Every row left out (manifest checks, decoding), <c>file:line: field 'x': why</c>; never report text.</param>
/// <param name="Warnings">Rows kept with a change (e.g. text without a usable sentence kept as image-only).</param>
internal sealed record PreparedDatasetInfo(string Format, bool Complete, PreparedOptions Options, IReadOnlyList<PreparedInput> Inputs, string Identity,
    int Rows, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<ShardInfo> Shards, IReadOnlyList<string> Skipped, IReadOnlyList<string> Warnings)
{
    /// <summary>The file name inside a prepared folder.</summary>
    public const string FileName = "dataset.json";

    /// <summary>The format written.</summary>
    public const string FormatName = "convirt-prepared/1";

    /// <summary>Split name used in <see cref="Counts"/> for rows without one.</summary>
    public const string NoSplit = "(none)";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Reads <paramref name="path"/> (a dataset.json).</summary>
    /// <exception cref="PreparedDatasetException">Missing, unreadable or not a dataset.json of this format.</exception>
    public static PreparedDatasetInfo Read(string path)
    {
        try
        {
            var info = JsonSerializer.Deserialize<PreparedDatasetInfo>(File.ReadAllBytes(path), Json)
                ?? throw new PreparedDatasetException(path, $"{path}: empty dataset.json");
            if (info.Format != FormatName || info.Options is null || info.Shards is null)
                throw new PreparedDatasetException(path, $"{path}: not a prepared dataset of format {FormatName} (format '{info.Format}')");
            return info;
        }
        catch (JsonException e)
        {
            throw new PreparedDatasetException(path, $"{path}: corrupt dataset.json ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PreparedDatasetException(path, $"{path}: cannot read dataset.json ({e.Message})", e);
        }
    }

    /// <summary>Writes to a temporary name and renames, so a reader never sees half a file.</summary>
    public void Write(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(this, Json));
        File.Move(temp, path, overwrite: true);
    }
}
