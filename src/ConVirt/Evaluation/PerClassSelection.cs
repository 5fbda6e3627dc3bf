using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConVirt.Runtime;

namespace ConVirt.Evaluation;

/// <summary>
/// The CheXpert-style k x N evaluation set of the ConVIRT paper (CheXpert 8x200): from a labelled JSON Lines
/// manifest, the rows with exactly one positive (1) among k chosen observations, N per observation drawn with a
/// seed, written as a manifest beside the source (its images stay under its folder) with the observation's name
/// under <c>labels.class</c>, so retrieval and zero-shot can use <c>--label class</c>.
/// </summary>
internal static class PerClassSelection
{
    /// <summary>The label key of the selected row's class.</summary>
    public const string ClassKey = "class";

    /// <summary>Selects and writes the subset; returns its path and the rows available per class before drawing.</summary>
    /// <exception cref="ArgumentException">Fewer than two classes, N below 1, a class with fewer than N eligible rows, or not a JSON Lines manifest.</exception>
    public static (string Path, IReadOnlyDictionary<string, int> Available) Write(string manifest, IReadOnlyList<string> classes, int perClass, int seed)
    {
        if (classes.Count < 2) throw new ArgumentException($"--classes names {classes.Count} observation(s); a k x N set needs at least 2.", nameof(classes));
        if (classes.Distinct(StringComparer.Ordinal).Count() != classes.Count) throw new ArgumentException("--classes names an observation twice.", nameof(classes));
        if (perClass < 1) throw new ArgumentException($"--per-class is {perClass}; it must be at least 1.", nameof(perClass));
        if (manifest.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"{manifest}: --per-class reads JSON Lines manifests (convirt label writes one).", nameof(manifest));
        if (!File.Exists(manifest)) throw new FileNotFoundException($"{manifest}: no such manifest file.", manifest);

        // first pass: the line numbers eligible for each class
        var eligible = classes.ToDictionary(c => c, _ => new List<int>(), StringComparer.Ordinal);
        int line = 0;
        foreach (var text in File.ReadLines(manifest))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonObject? row;
            try { row = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { continue; }   // the manifest reader reports bad rows; a subset simply leaves them out
            if (row?["labels"] is not JsonObject labels) continue;
            string? only = null;
            int positives = 0;
            foreach (var c in classes)
                if (labels[c] is JsonValue v && v.TryGetValue(out int value) && value == 1) { positives++; only = c; }
            if (positives == 1) eligible[only!].Add(line);
        }
        var available = eligible.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal);
        foreach (var c in classes)
            if (eligible[c].Count < perClass)
                throw new ArgumentException($"{manifest}: {c} has {eligible[c].Count} rows with exactly one positive among --classes; --per-class {perClass} needs {perClass}.", nameof(perClass));

        // draw N per class with the seed, in class order, each list shuffled (Fisher-Yates)
        var random = new Random(seed);
        var chosen = new Dictionary<int, string>();
        foreach (var c in classes)
        {
            var list = eligible[c];
            for (int i = list.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (list[i], list[j]) = (list[j], list[i]);
            }
            foreach (int l in list.Take(perClass)) chosen[l] = c;
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        string output = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(manifest)}.{classes.Count}x{perClass}-seed{seed}.jsonl"));
        var builder = new StringBuilder();
        line = 0;
        foreach (var text in File.ReadLines(manifest))
        {
            line++;
            if (!chosen.TryGetValue(line, out var c)) continue;
            var row = (JsonObject)JsonNode.Parse(text)!;
            ((JsonObject)row["labels"]!)[ClassKey] = c;
            builder.Append(row.ToJsonString()).Append('\n');
        }
        AtomicFile.WriteAllText(output, builder.ToString());
        return (output, available);
    }
}
