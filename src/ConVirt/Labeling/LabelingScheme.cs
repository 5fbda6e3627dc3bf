namespace ConVirt.Labeling;

/// <summary>
/// A parsed scheme file: observations with their phrases, the triggers, section headings and scope windows,
/// compiled for matching (phrases indexed by their first word). Immutable once built; shared across threads.
/// </summary>
internal sealed class LabelingScheme
{
    public LabelingScheme(string name, string source, Vocabulary vocabulary, IReadOnlyList<Observation> observations, string? noFindingKey,
        IReadOnlyList<Phrase> mentions, IReadOnlyList<Phrase> triggers, IReadOnlyList<(int[] Tokens, bool Read)> headings, int preWindow, int postWindow)
    {
        Name = name;
        Source = source;
        Vocabulary = vocabulary;
        Observations = observations;
        NoFindingKey = noFindingKey;
        Headings = headings;
        PreWindow = preWindow;
        PostWindow = postWindow;
        MentionCount = mentions.Count;
        MaxMentionSpan = mentions.Count == 0 ? 0 : mentions.Max(p => p.Tokens.Sum(t => t == Phrase.Gap ? Phrase.MaxGap : 1));
        TriggerCount = triggers.Count;
        MentionsByFirst = Index(mentions, vocabulary.Count);
        TriggersByFirst = Index(triggers, vocabulary.Count);
    }

    /// <summary>The scheme's name (its <c>scheme</c> line).</summary>
    public string Name { get; }

    /// <summary>Where it was read from (a file path or the embedded resource's name), for messages.</summary>
    public string Source { get; }

    public Vocabulary Vocabulary { get; }

    /// <summary>The observations in file order; output keys of the visible ones.</summary>
    public IReadOnlyList<Observation> Observations { get; }

    /// <summary>The key of the derived No Finding label, or null when the scheme has none.</summary>
    public string? NoFindingKey { get; }

    /// <summary>Section headings (words before a colon) and whether their text is read.</summary>
    public IReadOnlyList<(int[] Tokens, bool Read)> Headings { get; }

    /// <summary>The most tokens (words and commas) between a forward trigger and a mention it reaches.</summary>
    public int PreWindow { get; }

    /// <summary>The most words between a mention and a backward trigger that reaches it.</summary>
    public int PostWindow { get; }

    public int MentionCount { get; }

    /// <summary>The most tokens any observation phrase can span (a gap counted at its widest).</summary>
    public int MaxMentionSpan { get; }

    public int TriggerCount { get; }

    /// <summary>Observation phrases by the id of their first word, longest first.</summary>
    public Phrase[][] MentionsByFirst { get; }

    /// <summary>Trigger phrases by the id of their first word, longest first.</summary>
    public Phrase[][] TriggersByFirst { get; }

    private static Phrase[][] Index(IReadOnlyList<Phrase> phrases, int vocabularySize)
    {
        var lists = new List<Phrase>[vocabularySize];
        foreach (var p in phrases) (lists[p.Tokens[0]] ??= []).Add(p);
        var index = new Phrase[vocabularySize][];
        for (int i = 0; i < vocabularySize; i++)
            index[i] = lists[i] is { } l ? [.. l.OrderByDescending(p => p.Tokens.Length)] : [];
        return index;
    }
}
