using System.Globalization;

namespace ConVirt.Cli.Commands;

/// <summary>Parses comma-separated option values.</summary>
internal static class OptionLists
{
    /// <summary>"0.01,0.1,1" -> numbers (invariant culture); a bad entry is an error naming the option.</summary>
    public static IReadOnlyList<double> Doubles(string value, string option) => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ArgumentException($"{option}: '{v}' is not a number"))
        .ToList();

    /// <summary>"5,10,50" -> integers.</summary>
    public static IReadOnlyList<int> Ints(string value, string option) => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new ArgumentException($"{option}: '{v}' is not an integer"))
        .ToList();

    /// <summary>"todo|n/a" -> values (trimmed, empty ones dropped), as the label value filter reads them.</summary>
    public static IReadOnlyList<string> Values(string value) => value.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
