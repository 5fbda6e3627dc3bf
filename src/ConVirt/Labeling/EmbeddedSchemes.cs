using System.Collections.Concurrent;

namespace ConVirt.Labeling;

/// <summary>The scheme files shipped inside the library (embedded resources <c>Labeling/Schemes/NAME.scheme</c>), parsed once each.</summary>
internal static class EmbeddedSchemes
{
    private static readonly ConcurrentDictionary<string, LabelingScheme> Cache = new(StringComparer.Ordinal);

    public static LabelingScheme Get(string name) => Cache.GetOrAdd(name, static n =>
    {
        string resource = $"ConVirt.Labeling.Schemes.{n}.scheme";
        using var stream = typeof(EmbeddedSchemes).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The library lacks its embedded scheme '{resource}' (a broken build).");
        using var reader = new StreamReader(stream);
        return SchemeReader.Parse(reader.ReadToEnd(), $"{n}.scheme (embedded)");
    });

    /// <summary>The embedded scheme file's text (to copy and edit: <c>convirt label --print-scheme</c>).</summary>
    public static string Text(string name)
    {
        using var stream = typeof(EmbeddedSchemes).Assembly.GetManifestResourceStream($"ConVirt.Labeling.Schemes.{name}.scheme")
            ?? throw new ArgumentException($"No embedded scheme '{name}'.", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
