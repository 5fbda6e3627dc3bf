namespace ConVirt.Labeling;

/// <summary>
/// Word -> id for the words a scheme's phrases use; words of a report that no phrase uses are
/// <see cref="Unknown"/>. Words are normalised the same way on both sides: ASCII lower case, a plural's
/// "s" / "ies" folded ("effusions" -> "effusion", "opacities" -> "opacity"), capped at
/// <see cref="MaxWordChars"/> characters (longer words are unknown), so a report never allocates per word.
/// </summary>
internal sealed class Vocabulary
{
    /// <summary>The id of a word no phrase uses.</summary>
    public const int Unknown = -1;

    /// <summary>The id of a clause break (comma, colon) inside a sentence.</summary>
    public const int Comma = -3;

    /// <summary>Words longer than this are never looked up (no phrase word is this long).</summary>
    public const int MaxWordChars = 48;

    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public Vocabulary() => lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>How many distinct words.</summary>
    public int Count => ids.Count;

    /// <summary>The id of a normalised word, adding it when new (scheme parsing only).</summary>
    public int Add(ReadOnlySpan<char> normalised)
    {
        if (lookup.TryGetValue(normalised, out int id)) return id;
        id = ids.Count;
        ids.Add(normalised.ToString(), id);
        return id;
    }

    /// <summary>The id of a normalised word, or <see cref="Unknown"/>.</summary>
    public int Find(ReadOnlySpan<char> normalised) => lookup.TryGetValue(normalised, out int id) ? id : Unknown;

    /// <summary>
    /// Normalises <paramref name="word"/> (letters and digits only) into <paramref name="buffer"/> (at least
    /// <see cref="MaxWordChars"/> long) and returns the length, or -1 when the word is too long to be any phrase's.
    /// </summary>
    public static int Normalise(ReadOnlySpan<char> word, Span<char> buffer)
    {
        if (word.Length > MaxWordChars) return -1;
        int n = word.Length;
        for (int i = 0; i < n; i++) buffer[i] = char.ToLowerInvariant(word[i]);
        // plural folding: opacities -> opacity, effusions -> effusion; keeps -ss, -us, -is (atelectasis, status)
        if (n > 4 && buffer[n - 1] == 's' && buffer[n - 2] == 'e' && buffer[n - 3] == 'i')
        {
            buffer[n - 3] = 'y';
            return n - 2;
        }
        if (n > 3 && buffer[n - 1] == 's' && buffer[n - 2] is not ('s' or 'u' or 'i'))
            return n - 1;
        return n;
    }
}
