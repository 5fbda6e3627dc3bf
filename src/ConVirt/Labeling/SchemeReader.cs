using System.Globalization;
using System.Text.RegularExpressions;

namespace ConVirt.Labeling;

/// <summary>
/// Reads the scheme line format (docs/labeling.md): one directive a line, <c>#</c> starts a comment.
/// <code>
/// scheme chexpert
/// no-finding no-finding            # key of the derived No Finding label
/// window-pre 10                    # tokens a forward trigger reaches
/// section-read impression          # headings (before a colon) whose text is read / skipped
/// observation cardiomegaly         # [hidden]: vetoes No Finding, not written; [ignored-by-no-finding]
/// mention enlarged * heart         # * = a gap of 0..3 words
/// absent heart size * normal       # states the observation absent
/// unmention ...                    # looks like a mention, is not one
/// negation no evidence of          # also negation-post, negation-both, uncertain, uncertain-post, uncertain-both, pseudo, scope-end
/// </code>
/// </summary>
internal static partial class SchemeReader
{
    /// <summary>The largest scheme file read (a user's file via --scheme).</summary>
    public const int MaxBytes = 4 << 20;

    public static LabelingScheme Parse(string text, string source)
    {
        var vocabulary = new Vocabulary();
        var observations = new List<Observation>();
        var mentions = new List<Phrase>();
        var triggers = new List<Phrase>();
        var headings = new List<(int[], bool)>();
        var ignoredByNoFinding = new List<(string Key, int Line)>();
        var triggerLines = new Dictionary<string, int>(StringComparer.Ordinal);
        string? name = null, noFinding = null;
        int preWindow = 10, postWindow = 4;
        int lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine;
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0) continue;
            int space = line.IndexOfAny([' ', '\t']);
            string field = space < 0 ? line : line[..space];
            string rest = space < 0 ? "" : line[(space + 1)..].Trim();
            foreach (char c in line)
                if (char.IsControl(c) && c != '\t')
                    throw new LabelSchemeException(source, lineNumber, Printable(field), $"control character U+{(int)c:X4} (not a text file?)");
            LabelSchemeException Error(string problem) => new(source, lineNumber, field, problem);
            switch (field)
            {
                case "scheme":
                    if (name is not null) throw Error("a second scheme line");
                    if (!KeyPattern().IsMatch(rest)) throw Error("expected a name of lower-case letters, digits and hyphens");
                    name = rest;
                    break;
                case "no-finding":
                    if (!KeyPattern().IsMatch(rest)) throw Error("expected a key of lower-case letters, digits and hyphens");
                    noFinding = rest;
                    break;
                case "no-finding-ignores":
                    ignoredByNoFinding.Add((rest, lineNumber));
                    break;
                case "window-pre":
                case "window-post":
                    if (!int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out int window) || window < 0 || window > 64)
                        throw Error($"expected a whole number from 0 to 64, got '{Printable(rest)}'");
                    if (field == "window-pre") preWindow = window; else postWindow = window;
                    break;
                case "section-read":
                case "section-skip":
                    var heading = Tokens(rest, vocabulary, allowGaps: false, Error);
                    headings.Add((heading, field == "section-read"));
                    break;
                case "observation":
                {
                    var parts = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 0 || !KeyPattern().IsMatch(parts[0])) throw Error("expected a key of lower-case letters, digits and hyphens");
                    if (observations.Any(o => o.Key == parts[0])) throw Error($"observation '{parts[0]}' is defined twice");
                    bool hidden = false;
                    foreach (var flag in parts.Skip(1))
                        if (flag == "hidden") hidden = true;
                        else throw Error($"unknown flag '{Printable(flag)}' (expected: hidden)");
                    observations.Add(new Observation(parts[0], hidden, false));
                    break;
                }
                case "mention":
                case "absent":
                case "unmention":
                    if (observations.Count == 0) throw Error("comes before any 'observation' line");
                    var kind = field switch { "mention" => MentionKind.Mention, "absent" => MentionKind.Absent, _ => MentionKind.Unmention };
                    mentions.Add(new Phrase(Tokens(rest, vocabulary, allowGaps: true, Error), observations.Count - 1, kind, default, lineNumber));
                    break;
                case "negation":
                case "negation-post":
                case "negation-both":
                case "uncertain":
                case "uncertain-post":
                case "uncertain-both":
                case "pseudo":
                case "scope-end":
                    var trigger = field switch
                    {
                        "negation" => TriggerKind.Negation, "negation-post" => TriggerKind.NegationPost, "negation-both" => TriggerKind.NegationBoth, "uncertain" => TriggerKind.Uncertain,
                        "uncertain-post" => TriggerKind.UncertainPost, "uncertain-both" => TriggerKind.UncertainBoth, "pseudo" => TriggerKind.Pseudo, _ => TriggerKind.ScopeEnd,
                    };
                    var words = Tokens(rest, vocabulary, allowGaps: true, Error);
                    // one phrase, one meaning: a second definition would silently lose to the first
                    if (!triggerLines.TryAdd(string.Join(' ', words), lineNumber))
                        throw Error($"the trigger phrase '{Printable(rest)}' is already defined on line {triggerLines[string.Join(' ', words)]}");
                    triggers.Add(new Phrase(words, -1, default, trigger, lineNumber));
                    break;
                default:
                    throw Error("unknown directive (expected scheme, no-finding, no-finding-ignores, window-pre, window-post, section-read, section-skip, observation, mention, absent, unmention, negation, negation-post, negation-both, uncertain, uncertain-post, uncertain-both, pseudo, scope-end)");
            }
        }
        if (name is null) throw new LabelSchemeException(source, 0, "scheme", "the file has no 'scheme NAME' line");
        if (observations.Count == 0) throw new LabelSchemeException(source, 0, "observation", "the file defines no observation");
        foreach (var (key, line) in ignoredByNoFinding)
        {
            int index = observations.FindIndex(o => o.Key == key);
            if (index < 0) throw new LabelSchemeException(source, line, "no-finding-ignores", $"'{Printable(key)}' is not an observation of this scheme");
            observations[index] = observations[index] with { IgnoredByNoFinding = true };
        }
        if (noFinding is not null && observations.Any(o => o.Key == noFinding))
            throw new LabelSchemeException(source, 0, "no-finding", $"'{noFinding}' is also an observation's key");
        return new LabelingScheme(name, source, vocabulary, observations, noFinding, mentions, triggers, headings, preWindow, postWindow);
    }

    /// <summary>A phrase's token ids: words split as a report's are (letters and digits), <c>*</c> a gap.</summary>
    private static int[] Tokens(string phrase, Vocabulary vocabulary, bool allowGaps, Func<string, LabelSchemeException> error)
    {
        var tokens = new List<int>();
        Span<char> buffer = stackalloc char[Vocabulary.MaxWordChars];
        foreach (var piece in phrase.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (piece == "*")
            {
                if (!allowGaps) throw error("a gap (*) is not allowed here");
                if (tokens.Count == 0 || tokens[^1] == Phrase.Gap) throw error("a gap (*) must stand between two words");
                tokens.Add(Phrase.Gap);
                continue;
            }
            int start = -1;
            for (int i = 0; i <= piece.Length; i++)
            {
                bool word = i < piece.Length && char.IsLetterOrDigit(piece[i]);
                if (word && start < 0) start = i;
                if (!word && start >= 0)
                {
                    int n = Vocabulary.Normalise(piece.AsSpan(start, i - start), buffer);
                    if (n < 0) throw error($"a word longer than {Vocabulary.MaxWordChars} characters");
                    tokens.Add(vocabulary.Add(buffer[..n]));
                    start = -1;
                }
            }
        }
        if (tokens.Count == 0) throw error("expected a phrase of at least one word");
        if (tokens[^1] == Phrase.Gap) throw error("a gap (*) must stand between two words");
        return [.. tokens];
    }

    private static string Printable(string s) => s.Length > 40 ? s[..40] + "..." : s;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex KeyPattern();
}
