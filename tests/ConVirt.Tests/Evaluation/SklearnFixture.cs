using System.Text.Json;

namespace ConVirt.Tests.Evaluation;

/// <summary>
/// Reads TestData/sklearn_metrics.json, written by bench/sklearn/make_metric_fixtures.py with scikit-learn
/// (values computed by Python; the C# code must reproduce them).
/// </summary>
static class SklearnFixture
{
    static readonly Lazy<JsonElement> root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "sklearn_metrics.json"))).RootElement);

    public static JsonElement Section(string name) => root.Value.GetProperty(name);

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    public static float[,] FloatMatrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Doubles).ToArray();
        var result = new float[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++) result[i, j] = (float)rows[i][j];
        return result;
    }

    public static int[,] IntMatrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Ints).ToArray();
        var result = new int[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++) result[i, j] = rows[i][j];
        return result;
    }
}
