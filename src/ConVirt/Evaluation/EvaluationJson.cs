using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConVirt.Evaluation;

/// <summary>How evaluation results are written and read: snake_case JSON, indented, NaN as "NaN".</summary>
internal static class EvaluationJson
{
    /// <summary>The serializer options of every result file.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> (through a temporary file).</summary>
    public static void Write<T>(string path, T value)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(value, Options));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Reads a result file.</summary>
    public static T Read<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new JsonException($"{path}: empty result file");

    /// <summary>The <c>kind</c> field of a result file, or null when it has none (not a result file).</summary>
    public static string? KindOf(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String
                ? k.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
