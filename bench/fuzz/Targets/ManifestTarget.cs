using ConVirt.Data;

namespace ConVirt.Fuzz;

/// <summary>
/// <see cref="Manifest.Load"/> of a JSON Lines or CSV manifest (image files not checked: the bytes are the input).
/// Documented error: <see cref="ManifestException"/>; every row returned has an id and an image path, and every
/// issue names the file and a line.
/// </summary>
internal sealed class ManifestTarget(string extension) : FuzzTarget
{
    private static readonly ManifestOptions Options = new(CheckImageFiles: false);

    /// <inheritdoc />
    public override string Name { get; } = "manifest-" + extension.TrimStart('.');

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        var result = Manifest.Load(Scratch.Write(data, extension), Options);
        foreach (var row in result.Rows)
        {
            Require(!string.IsNullOrEmpty(row.Id), "a row without an id");
            Require(!string.IsNullOrEmpty(row.ImagePath), "a row without an image");
            Require(row.Line >= 1, $"row line {row.Line}");
        }
        Require(result.Rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count() == result.Rows.Count, "repeated row ids");
        foreach (var issue in result.Issues)
            Require(!string.IsNullOrWhiteSpace(issue.ToString()), "an issue without a message");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is ManifestException;
}
