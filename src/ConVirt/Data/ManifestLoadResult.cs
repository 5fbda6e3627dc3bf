using System.Globalization;
using System.Text;

namespace ConVirt.Data;

/// <summary>The usable rows of a manifest and every problem found on the way.</summary>
/// <param name="Path">The manifest path as it was given.</param>
/// <param name="Rows">The kept rows, in file order.</param>
/// <param name="Issues">Skipped rows and warnings, in file order.</param>
/// <param name="OutsideSplit">Valid-looking rows left out by <see cref="ManifestOptions.Split"/>.</param>
internal sealed record ManifestLoadResult(
    string Path,
    IReadOnlyList<ManifestRow> Rows,
    IReadOnlyList<ManifestIssue> Issues,
    int OutsideSplit = 0)
{
    /// <summary>Number of rows left out because of a problem.</summary>
    public int Skipped => Issues.Count(i => i.Kind == IssueKind.Skipped);

    /// <summary>Number of warnings (rows kept).</summary>
    public int Warnings => Issues.Count(i => i.Kind == IssueKind.Warning);

    /// <summary>
    /// One line for people, for example <c>412 rows, 5 skipped (3 no text, 2 file not found), 1 warning</c>;
    /// skip reasons by decreasing count (ties in order of first appearance).
    /// </summary>
    public string Summary()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"{Rows.Count} {(Rows.Count == 1 ? "row" : "rows")}, {Skipped} skipped");
        var reasons = Issues.Where(i => i.Kind == IssueKind.Skipped)
            .GroupBy(i => i.Reason, StringComparer.Ordinal)
            .Select((g, order) => (g.Key, Count: g.Count(), order))
            .OrderByDescending(r => r.Count).ThenBy(r => r.order)
            .Select(r => string.Create(ci, $"{r.Count} {r.Key}"))
            .ToList();
        if (reasons.Count > 0)
            sb.Append(" (").AppendJoin(", ", reasons).Append(')');
        sb.Append(ci, $", {Warnings} {(Warnings == 1 ? "warning" : "warnings")}");
        if (OutsideSplit > 0)
            sb.Append(ci, $", {OutsideSplit} in other splits");
        return sb.ToString();
    }
}
