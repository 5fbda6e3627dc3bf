using System.Text.Json;

namespace ConVirt.Evaluation.ZeroShot;

/// <summary>One class (or one side of a finding) and its prompt texts; several texts are an ensemble.</summary>
/// <param name="Label">The label the prompts describe, e.g. <c>viral</c> or <c>effusion:positive</c>.</param>
/// <param name="Texts">The prompts, in file order.</param>
internal sealed record PromptClass(string Label, IReadOnlyList<string> Texts);

/// <summary>
/// A prompts file: JSON Lines of <c>{"label": "...", "text": "..."}</c>; rows with the same label form one
/// ensemble. Prompts are few and hand-written, so a malformed line is an error naming the file, line and field.
/// </summary>
internal static class PromptSet
{
    /// <summary>The classes in order of first appearance.</summary>
    public static IReadOnlyList<PromptClass> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: prompts file not found", path);
        var order = new List<string>();
        var texts = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            string label, text;
            try
            {
                using var doc = JsonDocument.Parse(raw);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}:{line}: not a JSON object");
                label = Field(doc.RootElement, "label", path, line);
                text = Field(doc.RootElement, "text", path, line);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{line}: not a JSON object ({e.Message.Split('.')[0]})", e);
            }
            if (!texts.TryGetValue(label, out var list)) { texts[label] = list = []; order.Add(label); }
            list.Add(text);
        }
        if (order.Count == 0) throw new FormatException($"{path}: no prompts");
        return order.Select(l => new PromptClass(l, texts[l])).ToList();
    }

    private static string Field(JsonElement root, string name, string path, int line) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
            ? v.GetString()!.Trim() : throw new FormatException($"{path}:{line}: field '{name}' is missing or not a non-empty string");
}
