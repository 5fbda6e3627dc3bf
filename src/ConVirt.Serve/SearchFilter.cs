using ConVirt.Data;

namespace ConVirt.Serve;

/// <summary>Which rows a search considers: every key must match, <c>split</c> against the row's split, any other key against that label.</summary>
internal sealed record SearchFilter(IReadOnlyDictionary<string, string> Conditions)
{
    /// <summary>No condition: every row.</summary>
    public static SearchFilter None { get; } = new(new Dictionary<string, string>());

    /// <summary>A stable text of the conditions (cache key).</summary>
    public string Key => string.Join("\n", Conditions.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + "=" + c.Value));

    /// <summary>Whether <paramref name="row"/> satisfies every condition.</summary>
    public bool Matches(ManifestRow row) => Conditions.All(c => c.Key == "split"
        ? row.Split == c.Value
        : row.Labels.TryGetValue(c.Key, out var v) && v == c.Value);
}
