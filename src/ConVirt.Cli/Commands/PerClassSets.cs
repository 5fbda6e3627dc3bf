using ConVirt.Evaluation;
using Spectre.Console;

namespace ConVirt.Cli.Commands;

/// <summary>`--per-class N --classes LIST` of evaluate retrieval / zeroshot: the k x N set written beside each manifest.</summary>
internal static class PerClassSets
{
    /// <summary>The manifests and label key to evaluate: unchanged without --per-class, else the drawn subsets and <c>class</c>.</summary>
    public static (string First, string Second, string? Label) Apply(IAnsiConsole console, string first, string second, string? label, int perClass, string? classes, int seed)
    {
        if (perClass <= 0) return (first, second, label);
        var list = classes!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var (a, available) = PerClassSelection.Write(first, list, perClass, seed);
        console.MarkupLineInterpolated($"[grey]{list.Length} x {perClass} set (seed {seed}) written to {a}; rows with exactly one positive: {string.Join(", ", available.Select(kv => $"{kv.Key} {kv.Value}"))}[/]");
        string b = a;
        if (Path.GetFullPath(second) != Path.GetFullPath(first))
        {
            (b, _) = PerClassSelection.Write(second, list, perClass, seed);
            console.MarkupLineInterpolated($"[grey]and {b}[/]");
        }
        return (a, b, PerClassSelection.ClassKey);
    }
}
