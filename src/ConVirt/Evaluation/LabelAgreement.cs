using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConVirt.Evaluation;

/// <summary>
/// Agreement of labels written by <c>convirt label</c> with gold labels (e.g. the NIH OpenI gold standard),
/// per class and pooled: precision, recall and F1 with 95 % percentile-bootstrap intervals over reports
/// (reports resampled with replacement, seeded). A class is positive in the prediction when its value is 1
/// (or -1 with <c>uncertainAsPositive</c>), negative otherwise (0, -1, absent), as in gold standards whose
/// uncertain mentions are 0. Macro averages skip classes without gold positives (their F1 is undefined).
/// </summary>
internal static class LabelAgreement
{
    /// <summary>Compares the rows of <paramref name="predicted"/> with the rows of <paramref name="gold"/> that carry labels, matched by <c>id</c>.</summary>
    /// <param name="predicted">JSON Lines written by <c>convirt label</c>.</param>
    /// <param name="gold">JSON Lines with gold labels (0/1) under <c>labels</c>; rows without labels are ignored.</param>
    /// <param name="aliases">Gold key -> predicted key, for keys named differently (e.g. normal -> no-finding).</param>
    /// <param name="uncertainAsPositive">Count a predicted -1 as positive (default: negative).</param>
    /// <param name="resamples">Bootstrap resamples over reports.</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <param name="cancellationToken">Stops between resamples.</param>
    public static LabelAgreementResult Compute(string predicted, string gold, IReadOnlyDictionary<string, string> aliases, bool uncertainAsPositive = false,
        int resamples = 1000, int seed = 0, CancellationToken cancellationToken = default)
    {
        if (resamples < 1) throw new ArgumentException($"resamples is {resamples}; it must be at least 1.", nameof(resamples));
        var goldRows = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        List<string>? keys = null;
        foreach (var (line, id, labels) in Rows(gold))
        {
            if (labels is null) continue;
            keys ??= [.. labels.Keys];
            foreach (var k in keys)
                if (!labels.ContainsKey(k)) throw new InvalidDataException($"{gold}: line {line}: field 'labels.{k}': missing (every gold row must have the first gold row's keys)");
            if (!goldRows.TryAdd(id, labels)) throw new InvalidDataException($"{gold}: line {line}: field 'id': a second row with this id");
        }
        if (keys is null || goldRows.Count == 0) throw new InvalidDataException($"{gold}: no row with gold labels");
        int classes = keys.Count;
        if (classes > 62) throw new InvalidDataException($"{gold}: {classes} gold keys; at most 62 are compared");
        var goldBits = new List<ulong>();
        var predBits = new List<ulong>();
        int unmatched = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, id, labels) in Rows(predicted))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!goldRows.TryGetValue(id, out var g)) { unmatched++; continue; }
            if (!seen.Add(id)) continue;
            ulong gb = 0, pb = 0;
            for (int c = 0; c < classes; c++)
            {
                if (g[keys[c]] == 1) gb |= 1UL << c;
                string key = aliases.TryGetValue(keys[c], out var a) ? a : keys[c];
                if (labels is not null && labels.TryGetValue(key, out int v) && (v == 1 || (v == -1 && uncertainAsPositive))) pb |= 1UL << c;
            }
            goldBits.Add(gb);
            predBits.Add(pb);
        }
        int n = goldBits.Count;
        if (n == 0) throw new InvalidDataException($"{predicted}: no row matches a gold row by id");
        var counts = Count(goldBits, predBits, null, classes);
        var random = new Random(seed);
        var index = new int[n];
        int metrics = 3 * (classes + 2);
        var samples = new double[metrics][];
        for (int m = 0; m < metrics; m++) samples[m] = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            if ((r & 63) == 0) cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < n; i++) index[i] = random.Next(n);
            var values = Metrics(Count(goldBits, predBits, index, classes), counts);
            for (int m = 0; m < metrics; m++) samples[m][r] = values[m];
        }
        var point = Metrics(counts, counts);
        MeanInterval Interval(int m)
        {
            var s = samples[m].Where(x => !double.IsNaN(x)).ToArray();
            Array.Sort(s);
            return s.Length == 0 ? new MeanInterval(point[m], double.NaN, double.NaN)
                : new MeanInterval(point[m], BootstrapInterval.Percentile(s, 2.5), BootstrapInterval.Percentile(s, 97.5));
        }
        var perClass = new List<ClassAgreement>();
        for (int c = 0; c < classes; c++)
            perClass.Add(new ClassAgreement(keys[c], aliases.TryGetValue(keys[c], out var a) ? a : keys[c], counts[c, 0], counts[c, 1], counts[c, 2], counts[c, 3],
                Interval(3 * c), Interval(3 * c + 1), Interval(3 * c + 2)));
        return new LabelAgreementResult(n, unmatched, goldRows.Count - n, perClass,
            Interval(3 * classes), Interval(3 * classes + 1), Interval(3 * classes + 2),
            Interval(3 * classes + 3), Interval(3 * classes + 4), Interval(3 * classes + 5), resamples, seed);
    }

    /// <summary>Per class [TP, FP, FN, TN] over the reports in <paramref name="index"/> (all when null).</summary>
    private static long[,] Count(List<ulong> gold, List<ulong> predicted, int[]? index, int classes)
    {
        var counts = new long[classes, 4];
        int n = index?.Length ?? gold.Count;
        for (int i = 0; i < n; i++)
        {
            int r = index is null ? i : index[i];
            ulong g = gold[r], p = predicted[r];
            for (int c = 0; c < classes; c++)
            {
                bool gc = (g >> c & 1) != 0, pc = (p >> c & 1) != 0;
                counts[c, gc ? (pc ? 0 : 2) : (pc ? 1 : 3)]++;
            }
        }
        return counts;
    }

    /// <summary>P, R, F1 per class, then micro, then macro (over classes with gold positives in <paramref name="full"/>); NaN where undefined.</summary>
    private static double[] Metrics(long[,] counts, long[,] full)
    {
        int classes = counts.GetLength(0);
        var m = new double[3 * (classes + 2)];
        long tp = 0, fp = 0, fn = 0;
        double sumP = 0, sumR = 0, sumF = 0;
        int macro = 0;
        for (int c = 0; c < classes; c++)
        {
            var (p, r, f) = Prf(counts[c, 0], counts[c, 1], counts[c, 2]);
            m[3 * c] = p; m[3 * c + 1] = r; m[3 * c + 2] = f;
            tp += counts[c, 0]; fp += counts[c, 1]; fn += counts[c, 2];
            if (full[c, 0] + full[c, 2] > 0)
            {
                macro++;
                // a class with no positive in a resample counts 0 (as scikit-learn's zero_division=0)
                sumP += double.IsNaN(p) ? 0 : p; sumR += double.IsNaN(r) ? 0 : r; sumF += double.IsNaN(f) ? 0 : f;
            }
        }
        var (mp, mr, mf) = Prf(tp, fp, fn);
        m[3 * classes] = mp; m[3 * classes + 1] = mr; m[3 * classes + 2] = mf;
        m[3 * classes + 3] = macro == 0 ? double.NaN : sumP / macro;
        m[3 * classes + 4] = macro == 0 ? double.NaN : sumR / macro;
        m[3 * classes + 5] = macro == 0 ? double.NaN : sumF / macro;
        return m;
    }

    /// <summary>Precision, recall, F1 from counts; NaN where the denominator is 0.</summary>
    internal static (double Precision, double Recall, double F1) Prf(long tp, long fp, long fn)
    {
        double p = tp + fp == 0 ? double.NaN : (double)tp / (tp + fp);
        double r = tp + fn == 0 ? double.NaN : (double)tp / (tp + fn);
        double f = 2 * tp + fp + fn == 0 ? double.NaN : 2.0 * tp / (2 * tp + fp + fn);
        return (p, r, f);
    }

    /// <summary>The rows of a JSON Lines manifest: line, id, and its <c>labels</c> as key -> integer (null when absent).</summary>
    private static IEnumerable<(int Line, string Id, Dictionary<string, int>? Labels)> Rows(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException) { throw new InvalidDataException($"{path}: line {line}: not valid JSON"); }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{path}: line {line}: field 'id': missing or not a string");
                Dictionary<string, int>? labels = null;
                if (root.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
                {
                    labels = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var p in l.EnumerateObject())
                        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out int v)) labels[p.Name] = v;
                    if (labels.Count == 0) labels = null;
                }
                yield return (line, idElement.GetString()!, labels);
            }
        }
    }
}

/// <summary>One class's agreement: the gold key, the predicted key it was compared with, the confusion counts and P/R/F1 with 95 % intervals.</summary>
internal sealed record ClassAgreement(string GoldKey, string PredictedKey, long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives,
    MeanInterval Precision, MeanInterval Recall, MeanInterval F1);

/// <summary>The outcome of <see cref="LabelAgreement.Compute"/>.</summary>
internal sealed record LabelAgreementResult(int Reports, int PredictedRowsWithoutGold, int GoldRowsNotPredicted, IReadOnlyList<ClassAgreement> Classes,
    MeanInterval MicroPrecision, MeanInterval MicroRecall, MeanInterval MicroF1, MeanInterval MacroPrecision, MeanInterval MacroRecall, MeanInterval MacroF1,
    int Resamples, int Seed)
{
    /// <summary>A markdown table: per class support, confusion counts, P/R/F1 [95 % interval]; then micro and macro.</summary>
    public string ToMarkdown()
    {
        static string F(MeanInterval m) => double.IsNaN(m.Mean) ? "n/a" : double.IsNaN(m.Low)
            ? m.Mean.ToString("F3", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{m.Mean:F3} [{m.Low:F3}, {m.High:F3}]");
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"{Reports} reports compared ({Resamples} bootstrap resamples over reports, seed {Seed}, 95 % percentile intervals).");
        b.AppendLine();
        b.AppendLine("| class | gold + | TP | FP | FN | TN | precision | recall | F1 |");
        b.AppendLine("|---|---:|---:|---:|---:|---:|---|---|---|");
        foreach (var c in Classes)
        {
            string name = c.GoldKey == c.PredictedKey ? c.GoldKey : $"{c.GoldKey} (= {c.PredictedKey})";
            b.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {c.TruePositives + c.FalseNegatives} | {c.TruePositives} | {c.FalsePositives} | {c.FalseNegatives} | {c.TrueNegatives} | {F(c.Precision)} | {F(c.Recall)} | {F(c.F1)} |");
        }
        b.AppendLine(CultureInfo.InvariantCulture, $"| **micro** | {Classes.Sum(c => c.TruePositives + c.FalseNegatives)} | {Classes.Sum(c => c.TruePositives)} | {Classes.Sum(c => c.FalsePositives)} | {Classes.Sum(c => c.FalseNegatives)} | {Classes.Sum(c => c.TrueNegatives)} | {F(MicroPrecision)} | {F(MicroRecall)} | {F(MicroF1)} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| **macro** ({Classes.Count(c => c.TruePositives + c.FalseNegatives > 0)} classes with gold positives) | | | | | | {F(MacroPrecision)} | {F(MacroRecall)} | {F(MacroF1)} |");
        return b.ToString();
    }
}
