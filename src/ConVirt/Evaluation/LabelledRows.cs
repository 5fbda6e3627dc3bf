using ConVirt.Data;

namespace ConVirt.Evaluation;

/// <summary>
/// The rows of one manifest split that carry every requested label: the input of an evaluation job.
/// </summary>
/// <param name="ManifestPath">The manifest as given.</param>
/// <param name="Split">The split used, or null when the rows carry no split (then every row is used).</param>
/// <param name="Rows">Rows with a non-null value for every label key, in manifest order.</param>
/// <param name="NullLabelRows">Rows of the split skipped because a label was null or missing.</param>
/// <param name="ManifestSummary">The manifest loader's one-line summary (skipped rows, warnings).</param>
public sealed record LabelledRows(string ManifestPath, string? Split, IReadOnlyList<ManifestRow> Rows, int NullLabelRows, string ManifestSummary)
{
    /// <summary>
    /// Loads <paramref name="manifest"/>, keeps the rows of <paramref name="split"/> when rows carry splits (all rows
    /// when none does), and drops rows whose value of any of <paramref name="keys"/> is null or missing.
    /// </summary>
    /// <param name="manifest">Manifest path (JSON Lines or CSV).</param>
    /// <param name="split">Wanted split; null keeps every row.</param>
    /// <param name="keys">Label keys; empty keeps rows regardless of labels.</param>
    /// <exception cref="ManifestException">Missing/empty manifest, no row of the split, unknown label key, or every label null.</exception>
    public static LabelledRows Load(string manifest, string? split, IReadOnlyList<string> keys)
    {
        var loaded = Manifest.Load(manifest);
        var rows = loaded.Rows;
        string? usedSplit = null;
        if (split is not null && rows.Any(r => r.Split is not null))
        {
            usedSplit = split;
            var inSplit = rows.Where(r => r.Split == split).ToList();
            if (inSplit.Count == 0)
            {
                var present = string.Join(", ", rows.Select(r => r.Split ?? "(none)").Distinct().Order(StringComparer.Ordinal));
                throw new ManifestException(manifest, $"{manifest}: no row has split '{split}' (splits present: {present})");
            }
            rows = inSplit;
        }
        foreach (var key in keys)
        {
            if (!loaded.Rows.Any(r => r.Labels.ContainsKey(key)))
            {
                var known = string.Join(", ", loaded.Rows.SelectMany(r => r.Labels.Keys).Distinct().Order(StringComparer.Ordinal));
                throw new ManifestException(manifest, $"{manifest}: unknown label key '{key}' (keys present: {(known.Length == 0 ? "none" : known)})");
            }
        }
        var kept = rows.Where(r => keys.All(k => r.Labels.TryGetValue(k, out var v) && v is not null)).ToList();
        if (kept.Count == 0)
            throw new ManifestException(manifest,
                $"{manifest}: label '{string.Join(",", keys)}' is null or missing in all {rows.Count} rows{(usedSplit is null ? "" : $" of split '{usedSplit}'")}");
        return new LabelledRows(manifest, usedSplit, kept, rows.Count - kept.Count, loaded.Summary());
    }
}
