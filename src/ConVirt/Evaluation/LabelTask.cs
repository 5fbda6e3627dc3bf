using System.Globalization;
using ConVirt.Data;

namespace ConVirt.Evaluation;

/// <summary>
/// What is predicted: one label key with two classes (binary) or more (multi-class), or several 0/1 keys
/// (multi-label, e.g. <c>effusion,opacity</c>).
/// </summary>
/// <param name="Keys">Label keys, in the order given.</param>
/// <param name="Kind">The head a probe fits.</param>
/// <param name="Classes">Class values of the single key (ordinal order; for binary the second is the positive class), or the keys for multi-label.</param>
internal sealed record LabelTask(IReadOnlyList<string> Keys, ProbeHeadKind Kind, IReadOnlyList<string> Classes)
{
    /// <summary>Splits a comma-separated <c>--label</c> value into keys.</summary>
    public static IReadOnlyList<string> ParseKeys(string label)
    {
        var keys = label.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length == 0) throw new ArgumentException("--label names no label key");
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Length) throw new ArgumentException($"--label '{label}' repeats a key");
        return keys;
    }

    /// <summary>
    /// The task over the rows of every given set (classes are the union of their values, so a class seen only in the
    /// test rows still has an index). Several keys make a multi-label task whose values must be 0/1 or true/false.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two classes, or a non-binary value of a multi-label key (names file, line, key).</exception>
    public static LabelTask Infer(IReadOnlyList<string> keys, params LabelledRows[] sets)
    {
        if (keys.Count > 1)
        {
            foreach (var set in sets)
                foreach (var row in set.Rows)
                    foreach (var key in keys)
                        if (Binary(row.Labels[key]) is null)
                            throw new ArgumentException($"{set.ManifestPath}:{row.Line}: label '{key}' is '{row.Labels[key]}'; a multi-label key needs 0/1 or true/false values");
            return new LabelTask(keys, ProbeHeadKind.MultiLabel, keys);
        }
        var classes = sets.SelectMany(s => s.Rows).Select(r => r.Labels[keys[0]]!).Distinct().Order(StringComparer.Ordinal).ToList();
        if (classes.Count < 2)
            throw new ArgumentException($"{sets[0].ManifestPath}: label '{keys[0]}' has a single value ('{classes[0]}'); a classifier needs at least two classes");
        return new LabelTask(keys, classes.Count == 2 ? ProbeHeadKind.Binary : ProbeHeadKind.MultiClass, classes);
    }

    /// <summary>Class index of each row (single key). Rows must carry the key.</summary>
    public int[] ClassIndices(IReadOnlyList<ManifestRow> rows)
    {
        if (Kind == ProbeHeadKind.MultiLabel) throw new InvalidOperationException("a multi-label task has targets, not class indices");
        var index = Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        return rows.Select(r => index.TryGetValue(r.Labels[Keys[0]]!, out int i) ? i
            : throw new ArgumentException($"row '{r.Id}': label '{Keys[0]}' value '{r.Labels[Keys[0]]}' is not one of the task's classes")).ToArray();
    }

    /// <summary>[n, keys] 0/1 targets (multi-label).</summary>
    public int[,] Targets(IReadOnlyList<ManifestRow> rows)
    {
        var targets = new int[rows.Count, Keys.Count];
        for (int i = 0; i < rows.Count; i++)
            for (int k = 0; k < Keys.Count; k++)
                targets[i, k] = Binary(rows[i].Labels[Keys[k]]) ?? throw new ArgumentException($"row '{rows[i].Id}': label '{Keys[k]}' is not 0/1");
        return targets;
    }

    /// <summary>One stratum per row for label-fraction sampling: the class, or the multi-label pattern.</summary>
    public int[] Strata(IReadOnlyList<ManifestRow> rows)
    {
        if (Kind != ProbeHeadKind.MultiLabel) return ClassIndices(rows);
        var targets = Targets(rows);
        var strata = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
            for (int k = 0; k < Keys.Count; k++) strata[i] = strata[i] * 2 + targets[i, k];
        return strata;
    }

    /// <summary>Short description, e.g. <c>binary (0, 1)</c>.</summary>
    public string Describe() => Kind switch
    {
        ProbeHeadKind.Binary => $"binary ({string.Join(", ", Classes)})",
        ProbeHeadKind.MultiClass => $"{Classes.Count}-class ({string.Join(", ", Classes)})",
        _ => $"multi-label ({string.Join(", ", Classes)})",
    };

    static int? Binary(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "1" or "true" => 1,
        "0" or "false" => 0,
        { } s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && (d == 0 || d == 1) => (int)d,
        _ => null,
    };
}
