using System.Globalization;
using System.Text.Json;

namespace ConVirt.Training;

/// <summary>
/// The one sink of a run's records: metrics.jsonl, TensorBoard scalars and progress events. Only the writer process
/// (rank 0) writes files and reports; on other ranks every call does nothing.
/// </summary>
internal sealed class TrainingLog : IDisposable
{
    private readonly StreamWriter? metrics;
    private readonly TensorBoardLog? events;
    private readonly IProgress<TrainingProgress>? progress;

    /// <summary>A log for the run in <paramref name="runDirectory"/>; files only when <paramref name="writer"/> is set.</summary>
    public TrainingLog(string runDirectory, bool writer, IProgress<TrainingProgress>? progress)
    {
        if (!writer) return;
        metrics = new StreamWriter(Path.Combine(runDirectory, RunFolder.Metrics), append: true) { AutoFlush = true };
        events = new TensorBoardLog(Path.Combine(runDirectory, RunFolder.TensorBoard));
        this.progress = progress;
    }

    /// <summary>Starts metrics.jsonl afresh (a run that does not resume).</summary>
    public static void Reset(string runDirectory)
    {
        var path = Path.Combine(runDirectory, RunFolder.Metrics);
        if (File.Exists(path)) File.Delete(path);
    }

    /// <summary>A line for people.</summary>
    public void Message(string text, int epoch = 0, long step = 0) => progress?.Report(TrainingProgress.Note(text, epoch, step));

    /// <summary>A progress event.</summary>
    public void Report(TrainingProgress value) => progress?.Report(value);

    /// <summary>One metrics.jsonl record; <paramref name="scalars"/> of its values also go to TensorBoard (tag -> key).</summary>
    public void Record(long step, IReadOnlyDictionary<string, object> values, params (string Tag, string Key)[] scalars)
    {
        if (metrics is null) return;
        metrics.WriteLine(JsonSerializer.Serialize(values.ToDictionary(kv => kv.Key,
            kv => kv.Value is double d && !double.IsFinite(d) ? (object)d.ToString(CultureInfo.InvariantCulture) : kv.Value)));
        foreach (var (tag, key) in scalars)
            if (values.TryGetValue(key, out var v)) events?.Scalar(tag, Convert.ToDouble(v, CultureInfo.InvariantCulture), step);
    }

    /// <inheritdoc />
    public void Dispose() => metrics?.Dispose();
}
