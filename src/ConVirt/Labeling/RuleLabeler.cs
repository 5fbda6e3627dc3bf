namespace ConVirt.Labeling;

/// <summary>
/// The rule engine, in the CheXpert labeler's three stages: extract mentions (an observation's phrases),
/// classify each as negative / uncertain / positive by the triggers whose scope reaches it, aggregate per
/// observation (positive beats uncertain beats negative). Reads a report once, left to right, one sentence at a
/// time (sentences capped at <see cref="MaxSentenceTokens"/> tokens), so time is linear and memory constant in
/// the report's length. Thread-safe: per-call state lives in a thread-local workspace.
/// </summary>
internal sealed class RuleLabeler(LabelingScheme scheme, bool negation = true)
{
    /// <summary>A sentence longer than this (tokens) is cut into pieces; real sentences are far shorter.</summary>
    public const int MaxSentenceTokens = 256;

    /// <summary>An observation no phrase mentioned.</summary>
    public const sbyte Absent = sbyte.MinValue;

    [ThreadStatic] private static Workspace? workspace;

    public LabelingScheme Scheme { get; } = scheme;

    /// <summary>False for the ablation: negation triggers and absent phrases are ignored.</summary>
    public bool Negation { get; } = negation;

    /// <summary>
    /// Labels one report into <paramref name="values"/> (one per observation: 1, 0, -1 or <see cref="Absent"/>) and
    /// returns false when no word of it was read (empty, whitespace only, or only skipped sections).
    /// </summary>
    public bool Label(ReadOnlySpan<char> text, Span<sbyte> values)
    {
        values.Fill(Absent);
        var w = workspace ??= new Workspace();
        w.Reset();
        bool read = true;
        Span<char> buffer = stackalloc char[Vocabulary.MaxWordChars];
        var vocabulary = Scheme.Vocabulary;
        int n = text.Length, i = 0;
        while (i < n)
        {
            char c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                // a word: letters and digits, a decimal point between digits, a hyphen at a line break joined ("effu-\nsion")
                int start = i, length = 0;
                bool tooLong = false;
                while (i < n)
                {
                    char d = text[i];
                    if (char.IsLetterOrDigit(d))
                    {
                        if (length < Vocabulary.MaxWordChars) buffer[length++] = d; else tooLong = true;
                        i++;
                    }
                    else if (d == '.' && i + 1 < n && char.IsDigit(text[i + 1]) && i > start && char.IsDigit(text[i - 1]))
                    {
                        if (length < Vocabulary.MaxWordChars) buffer[length++] = d; else tooLong = true;
                        i++;
                    }
                    else if (d == '-' && HyphenatedBreak(text, i, out int resume)) i = resume;
                    else break;
                }
                int id = Vocabulary.Unknown;
                if (!tooLong)
                {
                    int m = Vocabulary.Normalise(buffer[..length], buffer);
                    if (m > 0) id = vocabulary.Find(buffer[..m]);
                }
                w.Push(id);
                if (w.Count >= MaxSentenceTokens) EndSentence(w, read, values);
                continue;
            }
            switch (c)
            {
                case '.' or '?' or '!' or ';':
                    EndSentence(w, read, values);
                    break;
                case ',':
                    PushComma(w, read, values);
                    break;
                case ':':
                    if (Heading(w, out int headingStart, out bool headingRead))
                    {
                        // the words before the heading end the previous section's sentence
                        w.Count = headingStart;
                        EndSentence(w, read, values);
                        read = headingRead;
                    }
                    else PushComma(w, read, values);
                    break;
                case '\n':
                    // a blank line ends a sentence; a single line break (wrapped text) does not
                    int j = i + 1;
                    while (j < n && text[j] is ' ' or '\t' or '\r') j++;
                    if (j < n && text[j] == '\n') EndSentence(w, read, values);
                    break;
            }
            i++;
        }
        EndSentence(w, read, values);
        if (!w.AnyRead)
        {
            values.Fill(Absent);
            return false;
        }
        return true;
    }

    /// <summary>The value of the derived No Finding label for labelled <paramref name="values"/>: 1 when no observation it heeds is positive or uncertain, else absent.</summary>
    public sbyte NoFinding(ReadOnlySpan<sbyte> values)
    {
        var observations = Scheme.Observations;
        for (int o = 0; o < observations.Count; o++)
            if (!observations[o].IgnoredByNoFinding && values[o] is 1 or -1) return Absent;
        return 1;
    }

    /// <summary>True when the hyphen at <paramref name="i"/> ends a line and the word goes on at the next line's start.</summary>
    private static bool HyphenatedBreak(ReadOnlySpan<char> text, int i, out int resume)
    {
        resume = i;
        int j = i + 1;
        while (j < text.Length && text[j] is ' ' or '\t' or '\r') j++;
        if (j >= text.Length || text[j] != '\n') return false;
        j++;
        while (j < text.Length && text[j] is ' ' or '\t' or '\r') j++;
        if (j >= text.Length || !char.IsLower(text[j])) return false;
        resume = j;
        return true;
    }

    /// <summary>True when the sentence so far ends with a section heading (the colon follows it).</summary>
    private bool Heading(Workspace w, out int start, out bool read)
    {
        foreach (var (tokens, headingRead) in Scheme.Headings)
        {
            // anywhere in the sentence: a heading often follows a previous section that lacked a full stop
            int s = w.Count - tokens.Length;
            if (s < 0) continue;
            bool same = true;
            for (int k = 0; k < tokens.Length && same; k++) same = w.Tokens[s + k] == tokens[k];
            if (!same) continue;
            start = s;
            read = headingRead;
            return true;
        }
        start = 0;
        read = true;
        return false;
    }

    private void PushComma(Workspace w, bool read, Span<sbyte> values)
    {
        w.Push(Vocabulary.Comma);
        if (w.Count >= MaxSentenceTokens) EndSentence(w, read, values);
    }

    private void EndSentence(Workspace w, bool read, Span<sbyte> values)
    {
        if (read && w.Count > 0)
        {
            // a word read (headings are removed before this): the report is not empty
            if (!w.AnyRead)
                foreach (int t in w.Tokens.AsSpan(0, w.Count))
                    if (t != Vocabulary.Comma) { w.AnyRead = true; break; }
            Classify(w, values);
        }
        w.Count = 0;
    }

    /// <summary>Finds triggers and mentions in the sentence in <paramref name="w"/>, classifies each mention and folds it into <paramref name="values"/>.</summary>
    private void Classify(Workspace w, Span<sbyte> values)
    {
        var tokens = w.Tokens.AsSpan(0, w.Count);
        // triggers: longest match left to right; a match consumes its words (so "no change in" hides "no")
        w.Triggers.Clear();
        for (int i = 0; i < tokens.Length;)
        {
            int best = -1;
            Phrase? bestPhrase = null;
            if (tokens[i] >= 0)
                foreach (var p in Scheme.TriggersByFirst[tokens[i]])
                    if (Match(tokens, i, p.Tokens, 0, out int end) && end > best)
                    {
                        best = end;
                        bestPhrase = p;
                    }
            if (bestPhrase is null) { i++; continue; }
            if (Negation || bestPhrase.Trigger is not (TriggerKind.Negation or TriggerKind.NegationPost or TriggerKind.NegationBoth))
                w.Triggers.Add((bestPhrase.Trigger, i, best));
            i = best;
        }
        // mentions: every phrase match, then per observation drop those an unmention overlaps or a longer mention contains
        w.Mentions.Clear();
        for (int i = 0; i < tokens.Length; i++)
        {
            if (tokens[i] < 0) continue;
            foreach (var p in Scheme.MentionsByFirst[tokens[i]])
                if (Match(tokens, i, p.Tokens, 0, out int end))
                    w.Mentions.Add((p.Observation, p.Mention, i, end));
        }
        var mentions = w.Mentions;
        for (int a = 0; a < mentions.Count; a++)
        {
            var (obs, kind, start, end) = mentions[a];
            if (kind == MentionKind.Unmention) continue;
            if (kind == MentionKind.Absent && !Negation) continue;
            bool dropped = false;
            // mentions are in order of their start, and none spans more than MaxMentionSpan tokens: only neighbours can overlap
            int first = a;
            while (first > 0 && mentions[first - 1].Start > start - Scheme.MaxMentionSpan) first--;
            for (int b = first; b < mentions.Count && mentions[b].Start < end && !dropped; b++)
            {
                if (b == a || mentions[b].Observation != obs) continue;
                var other = mentions[b];
                if (other.Kind == MentionKind.Unmention) dropped = other.Start < end && start < other.End;
                else if (other.Kind != MentionKind.Absent || Negation)
                    dropped = other.Start <= start && other.End >= end && other.End - other.Start > end - start;
            }
            if (dropped) continue;
            sbyte value = kind == MentionKind.Absent ? (sbyte)0 : Polarity(tokens, w.Triggers, start, end);
            values[obs] = Fold(values[obs], value);
        }
    }

    /// <summary>Positive beats uncertain beats negative.</summary>
    private static sbyte Fold(sbyte current, sbyte value) =>
        current == 1 || value == 1 ? (sbyte)1 : current == -1 || value == -1 ? (sbyte)-1 : (sbyte)0;

    /// <summary>
    /// 1, 0 or -1 for a mention at [start, end): the nearest forward trigger before it whose scope reaches it (within
    /// the pre-window, no scope end between); failing that, the nearest backward trigger after it (within the
    /// post-window, no comma or scope end between); failing both, positive.
    /// </summary>
    private sbyte Polarity(ReadOnlySpan<int> tokens, List<(TriggerKind Kind, int Start, int End)> triggers, int start, int end)
    {
        // a trigger inside the mention's gap: "heart is not enlarged", "heart is possibly enlarged"
        for (int t = 0; t < triggers.Count; t++)
        {
            var (kind, tStart, tEnd) = triggers[t];
            if (tStart <= start || tEnd >= end) continue;
            if (kind is TriggerKind.Negation or TriggerKind.NegationPost or TriggerKind.NegationBoth) return 0;
            if (kind is TriggerKind.Uncertain or TriggerKind.UncertainPost or TriggerKind.UncertainBoth) return -1;
        }
        for (int t = triggers.Count - 1; t >= 0; t--)
        {
            var (kind, _, tEnd) = triggers[t];
            if (tEnd > start) continue;
            if (start - tEnd > Scheme.PreWindow) break;
            if (kind == TriggerKind.ScopeEnd) break;
            if (kind is TriggerKind.Negation or TriggerKind.NegationBoth) return 0;
            if (kind is TriggerKind.Uncertain or TriggerKind.UncertainBoth) return -1;
            if (kind == TriggerKind.Pseudo) break;
        }
        for (int t = 0; t < triggers.Count; t++)
        {
            var (kind, tStart, _) = triggers[t];
            if (tStart < end) continue;
            if (tStart - end > Scheme.PostWindow) break;
            if (kind is TriggerKind.ScopeEnd or TriggerKind.Pseudo) break;
            bool comma = false;
            for (int k = end; k < tStart && !comma; k++) comma = tokens[k] == Vocabulary.Comma;
            if (comma) break;
            if (kind is TriggerKind.NegationPost or TriggerKind.NegationBoth) return 0;
            if (kind is TriggerKind.UncertainPost or TriggerKind.UncertainBoth) return -1;
        }
        return 1;
    }

    /// <summary>Matches <paramref name="phrase"/> from index <paramref name="k"/> at token <paramref name="at"/>; a gap takes the fewest words that let the rest match.</summary>
    private static bool Match(ReadOnlySpan<int> tokens, int at, int[] phrase, int k, out int end)
    {
        while (k < phrase.Length)
        {
            if (phrase[k] == Phrase.Gap)
            {
                for (int g = 0; g <= Phrase.MaxGap; g++)
                {
                    if (g > 0 && (at + g - 1 >= tokens.Length || tokens[at + g - 1] == Vocabulary.Comma)) break;
                    if (Match(tokens, at + g, phrase, k + 1, out end)) return true;
                }
                end = 0;
                return false;
            }
            if (at >= tokens.Length || tokens[at] != phrase[k])
            {
                end = 0;
                return false;
            }
            at++;
            k++;
        }
        end = at;
        return true;
    }

    private sealed class Workspace
    {
        public readonly int[] Tokens = new int[MaxSentenceTokens + 1];
        public int Count;
        public bool AnyRead;
        public readonly List<(TriggerKind Kind, int Start, int End)> Triggers = new(16);
        public readonly List<(int Observation, MentionKind Kind, int Start, int End)> Mentions = new(16);

        public void Reset()
        {
            Count = 0;
            AnyRead = false;
        }

        public void Push(int id) => Tokens[Count++] = id;
    }
}
