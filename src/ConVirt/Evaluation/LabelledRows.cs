using ConVirt.Data.Prepared;
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
internal sealed record LabelledRows(string ManifestPath, string? Split, IReadOnlyList<ManifestRow> Rows, int NullLabelRows, string ManifestSummary)
{
    /// <summary>
    /// Loads <paramref name="manifest"/>, keeps the rows of <paramref name="split"/> when rows carry splits (all rows
    /// when none does), and drops rows whose value of any of <paramref name="keys"/> is null or missing.
    /// </summary>
    /// <param name="manifest">Manifest path (JSON Lines or CSV), or a prepared dataset (folder or dataset.json; images stay in its shards).</param>
    /// <param name="split">Wanted split; null keeps every row.</param>
    /// <param name="keys">Label keys; empty keeps rows regardless of labels.</param>
    /// <param name="values">Optional rewriting of a single key's values (ignored values, a positive class); null keeps them.</param>
    /// <exception cref="ManifestException">Missing/empty manifest, no row of the split, unknown label key, or every label null.</exception>
    /// <param name="manifestOptions">Image root and checks of the manifest's rows (<see cref="ManifestOptions"/>); null: the defaults.</param>
    public static LabelledRows Load(string manifest, string? split, IReadOnlyList<string> keys, LabelValueFilter? values = null, ManifestOptions? manifestOptions = null)
    {
        if (values is not null && !values.IsEmpty && keys.Count != 1)
            throw new ArgumentException($"--positive and --ignore-values apply to a single label key; --label is '{string.Join(",", keys)}'");
        var loaded = DataSets.Load(manifest, manifestOptions);
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
        if (values is not null && !values.IsEmpty)
        {
            rows = rows.Select(r => values.Apply(r, keys[0])).ToList();
        }
        var kept = rows.Where(r => keys.All(k => r.Labels.TryGetValue(k, out var v) && v is not null)).ToList();
        if (kept.Count == 0)
            throw new ManifestException(manifest,
                $"{manifest}: label '{string.Join(",", keys)}' is null or missing in all {rows.Count} rows{(usedSplit is null ? "" : $" of split '{usedSplit}'")}");
        return new LabelledRows(manifest, usedSplit, kept, rows.Count - kept.Count, loaded.Summary());
    }

    /// <summary>The manifest options of <c>--image-root</c>: null (the defaults, the manifest's folder) when no root is given.</summary>
    public static ManifestOptions? RootedAt(string? imageRoot) => imageRoot is null ? null : new ManifestOptions { ImageRoot = imageRoot };
}

/// <summary>
/// Rewrites the values of one label key before a task is built: values in <see cref="Ignore"/> count as missing (the
/// row is skipped and counted, e.g. <c>todo</c> = not yet labelled), and when <see cref="Positive"/> is given the label
/// becomes binary, <c>1</c> for those values and <c>0</c> for every other (e.g. COVID-19 against the other findings).
/// Values are compared ordinally after trimming.
/// </summary>
/// <param name="Ignore">Values treated as missing.</param>
/// <param name="Positive">Values of the positive class; null or empty keeps the values as they are.</param>
internal sealed record LabelValueFilter(IReadOnlyList<string> Ignore, IReadOnlyList<string>? Positive = null)
{
    /// <summary>True when nothing is rewritten.</summary>
    public bool IsEmpty => Ignore.Count == 0 && (Positive is null || Positive.Count == 0);

    /// <summary>Parses the command-line form: values separated by <c>|</c> (values may contain commas).</summary>
    public static LabelValueFilter Parse(string? ignore, string? positive) => new(Split(ignore), positive is null ? null : Split(positive));

    static string[] Split(string? list) => (list ?? "").Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The row with its <paramref name="key"/> value rewritten (other keys untouched).</summary>
    public ManifestRow Apply(ManifestRow row, string key)
    {
        if (!row.Labels.TryGetValue(key, out var value) || value is null) return row;
        string trimmed = value.Trim();
        string? rewritten = Ignore.Contains(trimmed, StringComparer.Ordinal) ? null
            : Positive is { Count: > 0 } ? (Positive.Contains(trimmed, StringComparer.Ordinal) ? "1" : "0")
            : value;
        if (ReferenceEquals(rewritten, value)) return row;
        var labels = new Dictionary<string, string?>(row.Labels, StringComparer.Ordinal) { [key] = rewritten };
        return row with { Labels = labels };
    }
}
