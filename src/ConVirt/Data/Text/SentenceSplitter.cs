namespace ConVirt.Data.Text;

/// <summary>
/// Rule-based sentence splitter for radiology reports and image captions. One linear scan, no regular
/// expressions; every returned sentence is <see cref="ReportText.Clean"/>ed and holds a letter or digit.
/// </summary>
/// <remarks>
/// <para>A sentence ends at '.', '?' or '!' (optionally followed by closing brackets or quotes) followed by
/// whitespace or the end of the text, at a line break, and before a section header. Exceptions:</para>
/// <list type="bullet">
/// <item>a period followed by a lowercase letter never ends a sentence ("2 cm. in size", "pt. was");</item>
/// <item>a period after one of <see cref="NonTerminalAbbreviations"/> never ends a sentence (Dr., e.g., i.e.,
/// vs., approx., Fig., pt., hx., a.m., ...); after "No."/"Nos." or the units "cm."/"mm." it does not when a digit
/// follows ("No. 5", "2 cm. 3 mm");</item>
/// <item>a single capital letter is an initial ("R. MCA", "J. Smith") unless the word before it ends in a
/// digit ("37.8 C. Chest") or is one of <see cref="LetterLabelWords"/> ("Figure C. Axial", "hepatitis B. The");</item>
/// <item>a period that is not followed by whitespace never ends a sentence (decimals "3.5", "e.g.,"), except
/// between a lowercase word and a capitalised word written without a space ("normal.There");</item>
/// <item>three or more periods (an ellipsis) never end a sentence;</item>
/// <item>'?' and '!' end a sentence only after a letter or closing bracket and before a capital letter,
/// because in the source data '?' often stands for a lost degree or minus sign ("39? C", "0.9 ? 3.3");</item>
/// <item>enumerations: "1." at the start of a sentence is an item number, not a sentence end; when item n was
/// seen, "n+1." starts a new sentence even without a preceding period ("1. No effusion 2. No pneumothorax").</item>
/// </list>
/// <para>Line breaks: a blank line always ends a sentence; a single line break ends one unless the next line
/// starts with a lowercase letter or with a digit that is not an item number (a hard-wrapped line), or the line
/// ends in an abbreviation.</para>
/// <para>Section headers (<see cref="SectionHeaders"/>, followed by ':') start a new sentence and are dropped,
/// so that the header words do not dilute every sampled sentence: at the start of a sentence in any case
/// ("Imaging notes: ..."), elsewhere only in capitals ("... normal IMPRESSION: ..."). Other "words:" phrases
/// stay in the text ("Four months after treatment: ...").</para>
/// <para>Known limitation: a sentence that ends in a single capital letter after any other word ("on the
/// R. Axial") is not split.</para>
/// </remarks>
internal static class SentenceSplitter
{
    /// <summary>Lowercased abbreviations (without the final period) after which a period never ends a sentence.</summary>
    public static readonly IReadOnlySet<string> NonTerminalAbbreviations = new HashSet<string>(StringComparer.Ordinal)
    {
        "dr", "drs", "mr", "mrs", "ms", "prof", "st", "vs", "e.g", "i.e", "approx", "fig", "figs",
        "pt", "pts", "hx", "a.m", "p.m", "cf", "ca", "resp", "incl", "abd",
    };

    /// <summary>Lowercased abbreviations after which a period does not end a sentence when a digit follows.</summary>
    public static readonly IReadOnlySet<string> BeforeNumberAbbreviations = new HashSet<string>(StringComparer.Ordinal)
    {
        "no", "nos", "cm", "mm",
    };

    /// <summary>Lowercased words after which a single capital letter is a label ("Figure C.", "type B."), not an initial.</summary>
    public static readonly IReadOnlySet<string> LetterLabelWords = new HashSet<string>(StringComparer.Ordinal)
    {
        "figure", "figures", "fig", "figs", "image", "images", "panel", "patient", "case", "series", "view",
        "type", "stage", "grade", "class", "group", "zone", "hepatitis", "vitamin", "influenza", "factor",
    };

    /// <summary>Lowercased section names that, followed by ':', are headers (see remarks).</summary>
    public static readonly IReadOnlySet<string> SectionHeaders = new HashSet<string>(StringComparer.Ordinal)
    {
        "findings", "finding", "impression", "impressions", "conclusion", "conclusions", "history",
        "clinical history", "clinical information", "clinical details", "clinical indication", "indication",
        "indications", "reason for exam", "reason for examination", "comparison", "comparisons", "technique",
        "examination", "exam", "procedure", "recommendation", "recommendations", "notification", "report",
        "final report", "wet read", "presentation", "imaging notes", "imaging findings", "discussion",
        "case discussion", "diagnosis", "differential diagnosis", "opinion", "summary",
    };

    /// <summary>Longest header phrase (before the colon) that is checked against <see cref="SectionHeaders"/>.</summary>
    const int MaxHeaderLength = 40;

    /// <summary>Splits a report into cleaned sentences, in order.</summary>
    /// <param name="report">Raw report text; null or blank gives an empty list.</param>
    public static IReadOnlyList<string> Split(string? report)
    {
        string s = ReportText.Normalize(report, keepLineBreaks: true);
        var sentences = new List<string>();
        if (s.Length == 0) return sentences;

        int start = SkipHeaders(s, SkipSpace(s, 0), atSentenceStart: true);
        int lastItemNumber = 0;
        // Line breaks before this index do not end a sentence (they follow an abbreviation).
        int noLineBreakSplitBefore = 0;

        void Emit(int end)
        {
            if (end <= start) return;
            var span = s.AsSpan(start, end - start);
            if (!ReportText.HasLetterOrDigit(span)) return;
            string sentence = ReportText.Clean(span.ToString());
            if (sentence.Length > 0) sentences.Add(sentence);
        }

        void StartAt(int position) => start = SkipHeaders(s, SkipSpace(s, position), atSentenceStart: true);

        int i = start;
        while (i < s.Length)
        {
            char c = s[i];

            if (c == '\n')
            {
                bool paragraph = i + 1 < s.Length && s[i + 1] == '\n';
                if (paragraph || (i >= noLineBreakSplitBefore && LineBreakEndsSentence(s, i + 1)))
                {
                    Emit(i);
                    StartAt(i + 1);
                    i = Math.Max(i + 1, start);
                    continue;
                }
                i++;
                continue;
            }

            bool wordStart = i > start && (s[i - 1] == ' ' || s[i - 1] == '\n');
            if (wordStart)
            {
                // "n+1." after item n starts a new sentence.
                if (char.IsAsciiDigit(c) && TryItemNumber(s, i, out int number) && lastItemNumber > 0 && number == lastItemNumber + 1)
                {
                    Emit(i);
                    start = i;
                }
                // A capitalised header inside a sentence starts a new one.
                else if (char.IsUpper(c) && TryHeader(s, i, requireCapitals: true, out _))
                {
                    Emit(i);
                    StartAt(i);
                    i = Math.Max(i, start);
                    continue;
                }
            }

            if (c is '.' or '?' or '!')
            {
                if (IsSentenceEnd(s, i, start, ref lastItemNumber, out int end, out int next, out int suppressUntil))
                {
                    Emit(end);
                    StartAt(next);
                    i = Math.Max(next, start);
                    continue;
                }
                noLineBreakSplitBefore = Math.Max(noLineBreakSplitBefore, suppressUntil);
                i = Math.Max(i + 1, end);
                continue;
            }
            i++;
        }
        Emit(s.Length);
        return sentences;
    }

    /// <summary>
    /// Decides whether the terminal punctuation run starting at <paramref name="i"/> ends a sentence.
    /// <paramref name="end"/>: index after the run and any closing brackets; <paramref name="next"/>: where the
    /// next sentence would start; <paramref name="suppressUntil"/>: for a non-ending period, the index of the next
    /// word (line breaks before it must not split either).
    /// </summary>
    static bool IsSentenceEnd(string s, int i, int start, ref int lastItemNumber, out int end, out int next, out int suppressUntil)
    {
        suppressUntil = 0;
        int runEnd = i;
        int periods = 0;
        while (runEnd < s.Length && s[runEnd] is '.' or '?' or '!')
        {
            if (s[runEnd] == '.') periods++;
            runEnd++;
        }
        end = runEnd;
        while (end < s.Length && IsClosing(s[end])) end++;
        next = end;
        char last = s[runEnd - 1];

        if (end < s.Length && !IsSpace(s[end]))
        {
            // "normal.There": a lowercase word, one period, a capitalised word, no space.
            bool glued = runEnd - i == 1 && last == '.' && end == runEnd && i >= 2
                && char.IsLower(s[i - 1]) && char.IsLower(s[i - 2])
                && end + 1 < s.Length && char.IsUpper(s[end]) && char.IsLower(s[end + 1])
                && !NonTerminalAbbreviations.Contains(WordBefore(s, i, out _).ToLowerInvariant());
            return glued;
        }
        int following = SkipSpace(s, end);
        bool atEnd = following >= s.Length;
        char nextChar = atEnd ? '\0' : s[following];

        if (last != '.')
        {
            // '?' or '!': a real question or exclamation follows a word and precedes a capital.
            char before = i > 0 ? s[i - 1] : ' ';
            bool afterWord = char.IsLetter(before) || IsClosing(before);
            return afterWord && (atEnd || char.IsUpper(nextChar) || IsOpening(nextChar));
        }

        if (periods >= 3 && runEnd - i == periods) return false; // ellipsis
        if (atEnd) return true;
        suppressUntil = following;
        if (char.IsLower(nextChar)) return false;
        if (runEnd - i > 1) return true; // "effusion.." or "?." : not an abbreviation

        string word = WordBefore(s, i, out int wordStart);
        string lower = word.ToLowerInvariant();
        if (NonTerminalAbbreviations.Contains(lower)) return false;
        if (char.IsAsciiDigit(nextChar) && BeforeNumberAbbreviations.Contains(lower)) return false;
        if (word.Length == 1 && char.IsUpper(word[0]) && IsInitial(s, wordStart)) return false;
        if (wordStart == start && word.Length is 1 or 2 && IsAllDigits(word))
        {
            lastItemNumber = int.Parse(word, System.Globalization.CultureInfo.InvariantCulture);
            return false;
        }
        suppressUntil = 0;
        return true;
    }

    /// <summary>Whether a single line break before <paramref name="lineStart"/> ends a sentence.</summary>
    static bool LineBreakEndsSentence(string s, int lineStart)
    {
        if (lineStart >= s.Length) return true;
        char c = s[lineStart];
        if (char.IsLower(c)) return false;
        if (char.IsAsciiDigit(c)) return TryItemNumber(s, lineStart, out _);
        return true;
    }

    /// <summary>Matches an item number "n. " (one or two digits, a period, a space) at <paramref name="i"/>.</summary>
    static bool TryItemNumber(string s, int i, out int number)
    {
        number = 0;
        int j = i;
        while (j < s.Length && j - i < 3 && char.IsAsciiDigit(s[j])) j++;
        int digits = j - i;
        if (digits is < 1 or > 2 || j + 1 >= s.Length || s[j] != '.' || !IsSpace(s[j + 1])) return false;
        number = int.Parse(s.AsSpan(i, digits), provider: System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Skips any section headers (and the spaces after them) at <paramref name="i"/>.</summary>
    static int SkipHeaders(string s, int i, bool atSentenceStart)
    {
        while (i < s.Length && char.IsLetter(s[i]) && TryHeader(s, i, requireCapitals: !atSentenceStart, out int afterColon))
            i = SkipSpace(s, afterColon);
        return i;
    }

    /// <summary>
    /// Matches a known section header "Words:" at <paramref name="i"/>: letters, single spaces, '/' and '&amp;'
    /// up to a colon within <see cref="MaxHeaderLength"/> characters.
    /// </summary>
    static bool TryHeader(string s, int i, bool requireCapitals, out int afterColon)
    {
        afterColon = i;
        int limit = Math.Min(s.Length, i + MaxHeaderLength + 1);
        int j = i;
        bool hasLower = false;
        while (j < limit)
        {
            char c = s[j];
            if (c == ':') break;
            if (!(char.IsLetter(c) || c == ' ' || c == '/' || c == '&')) return false;
            hasLower |= char.IsLower(c);
            j++;
        }
        if (j >= limit || s[j] != ':' || j == i) return false;
        if (requireCapitals && hasLower) return false;
        string phrase = s.AsSpan(i, j - i).Trim().ToString().ToLowerInvariant();
        if (!SectionHeaders.Contains(phrase)) return false;
        afterColon = j + 1;
        return true;
    }

    /// <summary>
    /// The whitespace-delimited word that ends just before index <paramref name="i"/>, without leading opening
    /// brackets or quotes; <paramref name="wordStart"/> is the index of its first character.
    /// </summary>
    static string WordBefore(string s, int i, out int wordStart)
    {
        int j = i;
        while (j > 0 && !IsSpace(s[j - 1])) j--;
        while (j < i && IsOpening(s[j])) j++;
        wordStart = j;
        return s.Substring(j, i - j);
    }

    /// <summary>Whether the single capital letter at <paramref name="letter"/> is an initial: the word before it
    /// neither ends in a digit ("37.8 C.") nor is a label word ("Figure C.").</summary>
    static bool IsInitial(string s, int letter)
    {
        int j = letter;
        while (j > 0 && IsOpening(s[j - 1])) j--;
        while (j > 0 && IsSpace(s[j - 1])) j--;
        if (j == 0) return true;
        if (char.IsAsciiDigit(s[j - 1])) return false;
        string previous = WordBefore(s, j, out _).TrimEnd('.').ToLowerInvariant();
        return !LetterLabelWords.Contains(previous);
    }

    static bool IsAllDigits(string word)
    {
        foreach (char c in word)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    static int SkipSpace(string s, int i)
    {
        while (i < s.Length && IsSpace(s[i])) i++;
        return i;
    }

    static bool IsSpace(char c) => c is ' ' or '\n';

    static bool IsClosing(char c) => c is ')' or ']' or '}' or '"' or '\'' or '\u201D' or '\u2019' or '\u00BB';

    static bool IsOpening(char c) => c is '(' or '[' or '{' or '"' or '\'' or '\u201C' or '\u2018' or '\u00AB';
}
