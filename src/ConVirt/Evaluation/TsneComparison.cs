using System.Globalization;

namespace ConVirt.Evaluation;

/// <summary>
/// File-level entry point for comparing this t-SNE with scikit-learn's (bench/tsne/compare_sklearn.py):
/// features in, embedding out, both as plain comma-separated numbers, one point per line.
/// </summary>
internal static class TsneComparison
{
    /// <summary>
    /// Reads [n, D] features from <paramref name="featuresCsv"/> (no header), embeds them with
    /// <see cref="Tsne.Embed(float[,], TsneOptions, IProgress{ValueTuple{int, double}})"/> and writes the [n, 2]
    /// embedding to <paramref name="embeddingCsv"/> (invariant culture, round-trip precision).
    /// </summary>
    /// <exception cref="FormatException">A line has a different column count or a value is not a number (message names the line).</exception>
    public static TsneResult Run(string featuresCsv, string embeddingCsv, TsneOptions? options = null)
    {
        var rows = new List<float[]>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(featuresCsv))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split(',');
            var row = new float[parts.Length];
            for (int j = 0; j < parts.Length; j++)
                if (!float.TryParse(parts[j], NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]))
                    throw new FormatException($"{featuresCsv} line {lineNumber}, column {j + 1}: not a number.");
            if (rows.Count > 0 && row.Length != rows[0].Length)
                throw new FormatException($"{featuresCsv} line {lineNumber}: {row.Length} columns, expected {rows[0].Length}.");
            rows.Add(row);
        }
        if (rows.Count == 0) throw new FormatException($"{featuresCsv} holds no rows.");
        var features = new float[rows.Count, rows[0].Length];
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < rows[i].Length; j++) features[i, j] = rows[i][j];

        var result = Tsne.Embed(features, options);
        using var writer = new StreamWriter(embeddingCsv);
        for (int i = 0; i < rows.Count; i++)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Embedding[i, 0]:R},{result.Embedding[i, 1]:R}"));
        return result;
    }
}
