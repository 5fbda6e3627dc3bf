using System.Text.Json;

namespace ConVirt.Evaluation;

/// <summary>A text query for text-to-image retrieval: a description and the label it describes.</summary>
internal sealed record TextQuery(string Text, string Label)
{
    /// <summary>
    /// Reads JSON Lines of <c>{"text": ..., "label": ...}</c>. A malformed line is an error naming the file,
    /// line and field (queries are few and hand-written, so a bad one is a mistake to fix, not to skip).
    /// </summary>
    public static IReadOnlyList<TextQuery> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: text query file not found", path);
        var queries = new List<TextQuery>();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                var root = doc.RootElement;
                string Field(string name) =>
                    root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
                        ? v.GetString()! : throw new FormatException($"{path}:{line}: field '{name}' is missing or not a non-empty string");
                queries.Add(new TextQuery(Field("text"), Field("label")));
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{line}: not a JSON object ({e.Message.Split('.')[0]})", e);
            }
        }
        if (queries.Count == 0) throw new FormatException($"{path}: no text queries");
        return queries;
    }
}
