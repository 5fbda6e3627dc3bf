using System.Text.Json;

namespace ConVirt.Tests.Text;

/// <summary>Finds the shared real data (CONVIRT_SHARED_DATA, default ../shared/data from the repository root).</summary>
internal static class TextTestData
{
    /// <summary>The shared data folder, or null when absent.</summary>
    public static string? SharedDataDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("CONVIRT_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnvironment)) return Directory.Exists(fromEnvironment) ? fromEnvironment : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConVirt.slnx")))
            {
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }

    /// <summary>The distinct non-null "text" values of a manifest, or null when the manifest is absent.</summary>
    public static IReadOnlyList<string>? ManifestTexts(string set)
    {
        string? root = SharedDataDirectory();
        if (root is null) return null;
        string manifest = Path.Combine(root, set, "manifest.jsonl");
        if (!File.Exists(manifest)) return null;
        var texts = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(manifest))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                texts.Add(text.GetString()!);
        }
        return [.. texts.Order(StringComparer.Ordinal)];
    }
}
