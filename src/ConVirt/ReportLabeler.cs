using ConVirt.Labeling;

namespace ConVirt;

/// <summary>
/// A rule-based report labeler in the manner of the CheXpert labeler: it finds each observation's mentions in
/// a radiology report, classifies each as positive (1), negative (0) or uncertain (-1) by negation and
/// uncertainty triggers in scope, and aggregates per observation (positive beats uncertain beats negative;
/// an observation never mentioned is absent). Observations, phrases and triggers are data: a scheme shipped
/// with the library (<see cref="FromScheme"/>) or a user's scheme file (<see cref="Load"/>), format in
/// docs/labeling.md. Thread-safe; report text is never written to messages.
/// </summary>
public sealed class ReportLabeler
{
    private readonly int[] keyObservation; // per output key: the observation index, or -1 for No Finding

    private ReportLabeler(LabelingScheme scheme, ReportLabelerOptions options)
    {
        options.Validate();
        Options = options;
        Engine = new RuleLabeler(scheme, options.Negation);
        var keys = new List<string>();
        var map = new List<int>();
        for (int o = 0; o < scheme.Observations.Count; o++)
        {
            if (scheme.Observations[o].Hidden) continue;
            keys.Add(scheme.Observations[o].Key);
            map.Add(o);
        }
        if (scheme.NoFindingKey is { } noFinding)
        {
            keys.Add(noFinding);
            map.Add(-1);
        }
        Keys = keys;
        keyObservation = [.. map];
    }

    /// <summary>The options this labeler applies.</summary>
    public ReportLabelerOptions Options { get; }

    /// <summary>The scheme's name (e.g. <c>chexpert</c>).</summary>
    public string SchemeName => Engine.Scheme.Name;

    /// <summary>The label keys this labeler can write, in scheme order (the No Finding key last).</summary>
    public IReadOnlyList<string> Keys { get; }

    internal RuleLabeler Engine { get; }

    /// <summary>A labeler for one of the schemes shipped with the library.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ReportLabeler FromScheme(LabelScheme scheme, ReportLabelerOptions? options = null)
    {
        string name = scheme switch
        {
            LabelScheme.Chexpert => "chexpert",
            LabelScheme.ChestXray14 => "chestxray14",
            _ => throw new ArgumentException($"scheme is {(int)scheme}, not a value of LabelScheme.", nameof(scheme)),
        };
        return new ReportLabeler(EmbeddedSchemes.Get(name), options ?? new ReportLabelerOptions());
    }

    /// <summary>A labeler for a scheme file (the line format of docs/labeling.md).</summary>
    /// <exception cref="LabelSchemeException">The file has an error; the message names the file, line and field.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static ReportLabeler Load(string schemeFile, ReportLabelerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schemeFile);
        var info = new FileInfo(schemeFile);
        if (!info.Exists) throw new FileNotFoundException($"{schemeFile}: no such scheme file.", schemeFile);
        if (info.Length > SchemeReader.MaxBytes)
            throw new LabelSchemeException(schemeFile, 0, "scheme", $"the file is {info.Length} bytes; a scheme file is at most {SchemeReader.MaxBytes} bytes");
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(File.ReadAllBytes(schemeFile));
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new LabelSchemeException(schemeFile, 0, "scheme", "the file is not UTF-8 text");
        }
        return new ReportLabeler(SchemeReader.Parse(text, schemeFile), options ?? new ReportLabelerOptions());
    }

    /// <summary>
    /// Labels one report: key -> 1, 0 or -1 (after <see cref="ReportLabelerOptions.Uncertain"/>) for each mentioned
    /// observation, plus the No Finding key (1) when nothing but the observations it ignores is positive or
    /// uncertain. An empty report, or one with only skipped sections, gives an empty dictionary.
    /// </summary>
    public IReadOnlyDictionary<string, int> Label(string report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var values = new sbyte[Keys.Count];
        LabelInto(report, values);
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < values.Length; k++)
            if (values[k] != RuleLabeler.Absent) labels[Keys[k]] = values[k];
        return labels;
    }

    /// <summary>
    /// Reads a manifest (JSON Lines, or CSV when the name ends in .csv), labels the report in
    /// <see cref="ReportLabelerOptions.TextColumn"/> of each row and writes the same rows to <paramref name="output"/>
    /// (same format, written atomically) with the labels added (JSON: under <c>labels</c>, other keys there kept;
    /// CSV: <c>labels.KEY</c> columns). JSON Lines are streamed: memory stays flat in the number of rows. Rows that
    /// are not valid are skipped and counted, with the file and line in <see cref="LabelingResult.Issues"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">No input file.</exception>
    /// <exception cref="Data.ManifestException">A CSV manifest without a header or without the text column.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the output file is not written.</exception>
    public LabelingResult LabelManifest(string input, string output, IProgress<LabelingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        return new ManifestLabelWriter(Keys, Options.TextColumn, LabelInto).Run(input, output, progress, cancellationToken);
    }

    /// <summary>Labels into <paramref name="values"/> (one per key, <see cref="RuleLabeler.Absent"/> when absent); false when nothing was read.</summary>
    internal bool LabelInto(ReadOnlySpan<char> report, Span<sbyte> values)
    {
        Span<sbyte> raw = stackalloc sbyte[Engine.Scheme.Observations.Count];
        bool read = Engine.Label(report, raw);
        sbyte noFinding = read ? Engine.NoFinding(raw) : RuleLabeler.Absent;
        for (int k = 0; k < keyObservation.Length; k++)
        {
            sbyte v = keyObservation[k] < 0 ? noFinding : raw[keyObservation[k]];
            if (v == -1) v = Options.Uncertain switch { UncertainLabels.Positive => 1, UncertainLabels.Negative => 0, _ => (sbyte)-1 };
            values[k] = v;
        }
        return read;
    }
}
