using System.Globalization;
using System.Text;

namespace ConVirt.Data.Text;

/// <summary>
/// Normalisation of free-text radiology reports before sentence splitting and tokenisation.
/// </summary>
/// <remarks>
/// Every de-identification placeholder becomes the one canonical token <see cref="Placeholder"/>
/// (<c>___</c>): runs of two or more underscores (<c>__</c>, <c>___</c>, MIMIC-CXR style), whole words of three
/// or more capital X (<c>XXXX</c>, Open-I style) and MIMIC-III brackets <c>[**...**]</c> (at most
/// <see cref="MaxBracketPlaceholderLength"/> characters). <see cref="WordPieceTokenizer"/> then encodes each
/// placeholder as a single token. All work is one linear scan; no regular expressions.
/// </remarks>
internal static class ReportText
{
    /// <summary>The canonical de-identification placeholder that every placeholder form is rewritten to.</summary>
    public const string Placeholder = "___";

    /// <summary>Longest <c>[**...**]</c> span (brackets included) recognised as one placeholder.</summary>
    public const int MaxBracketPlaceholderLength = 100;

    /// <summary>
    /// Cleans one report or sentence: every Unicode whitespace character (newlines and tabs included) becomes a
    /// space, runs of spaces collapse to one, the ends are trimmed, control and format characters (and U+FFFD)
    /// are removed, and de-identification placeholders become <see cref="Placeholder"/>.
    /// </summary>
    /// <param name="text">Raw text; null is treated as empty.</param>
    /// <returns>The cleaned text (possibly empty).</returns>
    public static string Clean(string? text) => Normalize(text, keepLineBreaks: false);

    /// <summary>
    /// Like <see cref="Clean"/>, but line breaks survive as '\n' (a blank line, i.e. a paragraph break, as
    /// "\n\n"); spaces around them are removed. The sentence splitter works on this form.
    /// </summary>
    internal static string Normalize(string? text, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var output = new StringBuilder(text.Length);
        bool pendingSpace = false;
        int pendingBreaks = 0;
        // Position from which no "**]" follows; avoids rescanning for unterminated "[**".
        int noBracketCloseFrom = int.MaxValue;

        void Flush()
        {
            if (output.Length > 0)
            {
                if (pendingBreaks > 0) output.Append(pendingBreaks >= 2 ? "\n\n" : "\n");
                else if (pendingSpace) output.Append(' ');
            }
            pendingSpace = false;
            pendingBreaks = 0;
        }

        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];

            if (IsLineBreak(c))
            {
                // "\r\n" is one break.
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                if (keepLineBreaks) pendingBreaks++;
                else pendingSpace = true;
                i++;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                i++;
                continue;
            }
            if (char.IsControl(c) || c == '\uFFFD' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                i++;
                continue;
            }

            if (c == '_')
            {
                int end = i;
                while (end < text.Length && text[end] == '_') end++;
                Flush();
                output.Append(end - i >= 2 ? Placeholder : "_");
                i = end;
                continue;
            }

            if (c == 'X' && (i == 0 || !char.IsLetterOrDigit(text[i - 1])))
            {
                int end = i;
                while (end < text.Length && text[end] == 'X') end++;
                if (end - i >= 3 && (end == text.Length || !char.IsLetterOrDigit(text[end])))
                {
                    Flush();
                    output.Append(Placeholder);
                    i = end;
                    continue;
                }
            }

            if (c == '[' && i + 2 < text.Length && text[i + 1] == '*' && text[i + 2] == '*' && i < noBracketCloseFrom)
            {
                int windowLength = Math.Min(MaxBracketPlaceholderLength - 3, text.Length - (i + 3));
                int close = text.AsSpan(i + 3, windowLength).IndexOf("**]", StringComparison.Ordinal);
                if (close >= 0)
                {
                    Flush();
                    output.Append(Placeholder);
                    i = i + 3 + close + 3;
                    continue;
                }
                if (i + 3 + windowLength == text.Length) noBracketCloseFrom = i;
            }

            Flush();
            output.Append(c);
            i++;
        }
        return output.ToString();
    }

    /// <summary>True for characters that end a line: LF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR, VT, FF.</summary>
    static bool IsLineBreak(char c) =>
        c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029' or '\v' or '\f';

    /// <summary>True when the text holds at least one letter or digit.</summary>
    public static bool HasLetterOrDigit(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
            if (char.IsLetterOrDigit(c)) return true;
        return false;
    }
}
