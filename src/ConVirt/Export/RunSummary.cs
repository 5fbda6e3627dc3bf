using System.Text.Json;
using System.Text.Json.Nodes;

namespace ConVirt.Export;

/// <summary>
/// What a run folder records about its training data and progress, for the model card: steps, epochs and pairs
/// seen (trainer.json of the exported checkpoint), last training loss and best validation loss (metrics.jsonl).
/// The run folder does not record which manifests were used; unreadable metrics lines are counted, not fatal.
/// </summary>
internal static class RunSummary
{
    /// <summary>The summary of checkpoint folder <paramref name="checkpoint"/>, or null when it has no trainer.json.</summary>
    public static JsonObject? Read(string checkpoint, int batchSize)
    {
        var trainer = Path.Combine(checkpoint, "trainer.json");
        if (!File.Exists(trainer)) return null;
        JsonNode? state;
        try { state = JsonNode.Parse(File.ReadAllText(trainer)); }
        catch (JsonException e) { throw new InvalidDataException($"{trainer}: not valid JSON ({e.Message})", e); }
        long steps = state?["step"]?.GetValue<long>() ?? 0;
        var summary = new JsonObject
        {
            ["source"] = "trainer.json of the exported checkpoint and the run's metrics.jsonl; the run folder does not record the manifests",
            ["checkpoint"] = Path.GetFileName(Path.GetFullPath(checkpoint).TrimEnd(Path.DirectorySeparatorChar)),
            ["steps"] = steps,
            ["epochsCompleted"] = state?["epoch"]?.GetValue<int>() ?? 0,
            ["finished"] = state?["finished"]?.GetValue<bool>() ?? false,
            ["batchSize"] = batchSize,
            ["pairsSeen"] = steps * batchSize,
            ["bestValidationLoss"] = state?["schedule"]?["bestLoss"] is JsonValue best && best.TryGetValue(out double b) && double.IsFinite(b) ? b : null,
        };
        var metrics = Path.Combine(RunFolderOf(checkpoint), "metrics.jsonl");
        if (File.Exists(metrics)) AddMetrics(summary, metrics);
        return summary;
    }

    // RUN/best and RUN/checkpoints/step-N belong to RUN; a bare checkpoint folder is its own run folder.
    private static string RunFolderOf(string checkpoint)
    {
        var full = Path.GetFullPath(checkpoint).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full) ?? full;
        if (Path.GetFileName(full) == "best") return parent;
        if (Path.GetFileName(parent) == "checkpoints") return Path.GetDirectoryName(parent) ?? parent;
        return full;
    }

    private static void AddMetrics(JsonObject summary, string path)
    {
        int lines = 0, skipped = 0;
        double? lastLoss = null;
        long lastStep = 0;
        double lastPairsPerSecond = double.NaN;
        foreach (var line in File.ReadLines(path))
        {
            lines++;
            if (line.Length == 0) continue;
            try
            {
                var row = JsonNode.Parse(line);
                if (row?["loss"] is JsonValue loss && row["step"] is JsonValue step)
                {
                    lastLoss = loss.GetValue<double>();
                    lastStep = step.GetValue<long>();
                    if (row["pairs_per_s"] is JsonValue rate) lastPairsPerSecond = rate.GetValue<double>();
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { skipped++; }
        }
        summary["lastTrainingLoss"] = lastLoss;
        summary["lastLoggedStep"] = lastStep;
        summary["lastPairsPerSecond"] = double.IsFinite(lastPairsPerSecond) ? lastPairsPerSecond : null;
        summary["metricsLines"] = lines;
        summary["metricsLinesSkipped"] = skipped;
    }
}
