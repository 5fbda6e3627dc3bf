namespace ConVirt.Labeling;

/// <summary>
/// A label scheme file could not be used; the message names the file, the line and the field (directive) at fault.
/// </summary>
public sealed class LabelSchemeException : Exception
{
    /// <summary>Creates the exception for <paramref name="file"/>, 1-based <paramref name="line"/> (0: the whole file) and <paramref name="field"/>.</summary>
    public LabelSchemeException(string file, int line, string field, string problem)
        : base(line > 0 ? $"{file}: line {line}, field '{field}': {problem}" : $"{file}: field '{field}': {problem}")
    {
        File = file;
        Line = line;
        Field = field;
    }

    /// <summary>The scheme file (or embedded scheme name).</summary>
    public string File { get; }

    /// <summary>The 1-based line, or 0 when the problem is the file as a whole.</summary>
    public int Line { get; }

    /// <summary>The directive (field) at fault, e.g. <c>mention</c> or <c>window-pre</c>.</summary>
    public string Field { get; }
}
