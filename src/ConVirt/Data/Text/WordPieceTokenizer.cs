using MlBertOptions = Microsoft.ML.Tokenizers.BertOptions;
using MlBertTokenizer = Microsoft.ML.Tokenizers.BertTokenizer;

namespace ConVirt.Data.Text;

/// <summary>
/// BERT WordPiece tokenisation of report sentences into [CLS] ... [SEP] id rows and padded batches; a thin
/// wrapper over Microsoft.ML.Tokenizers' <c>BertTokenizer</c> (basic tokenisation, optional lowercasing and accent
/// stripping, greedy longest-match WordPiece).
/// </summary>
/// <remarks>
/// Placeholders: the text is first <see cref="ReportText.Clean"/>ed, so every de-identification placeholder is
/// <see cref="ReportText.Placeholder"/> (<c>___</c>). BERT's basic tokeniser would split it into three "_"
/// tokens; this wrapper encodes it as ONE token, the vocabulary's "_" piece (id 1035 in the BERT uncased
/// vocabulary), or [UNK] when the vocabulary has no "_" (see <see cref="PlaceholderId"/>). "_" is chosen over
/// [UNK] because pretrained encoders have seen it and it stays distinct from genuinely unknown words.
/// Instances are immutable and safe to use from several threads.
/// </remarks>
internal sealed class WordPieceTokenizer
{
    /// <summary>Default most ids per sentence, [CLS] and [SEP] included.</summary>
    public const int DefaultMaxLength = 128;

    readonly MlBertTokenizer bert;

    WordPieceTokenizer(MlBertTokenizer bert, int vocabSize, int placeholderId, bool lowerCase)
    {
        this.bert = bert;
        VocabSize = vocabSize;
        PlaceholderId = placeholderId;
        LowerCase = lowerCase;
    }

    /// <summary>Number of ids: the vocabulary file's line count (id = line index).</summary>
    public int VocabSize { get; }

    /// <summary>Id of [PAD].</summary>
    public int PadId => bert.PaddingTokenId;

    /// <summary>Id of [CLS], first in every encoded sentence.</summary>
    public int ClsId => bert.ClassificationTokenId;

    /// <summary>Id of [SEP], last in every encoded sentence.</summary>
    public int SepId => bert.SeparatorTokenId;

    /// <summary>Id of [UNK].</summary>
    public int UnkId => bert.UnknownTokenId;

    /// <summary>Id that one de-identification placeholder encodes to: the vocabulary's "_" or, without one, [UNK].</summary>
    public int PlaceholderId { get; }

    /// <summary>Whether input is lowercased (and accents stripped) before WordPiece.</summary>
    public bool LowerCase { get; }

    /// <summary>Loads a vocab.txt file (one token a line; must contain [PAD], [UNK], [CLS], [SEP], [MASK]).</summary>
    /// <param name="vocabPath">Path of the vocabulary file.</param>
    /// <param name="lowerCase">True for uncased vocabularies.</param>
    public static WordPieceTokenizer FromVocab(string vocabPath, bool lowerCase = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        using var stream = File.OpenRead(vocabPath);
        return FromVocab(stream, lowerCase);
    }

    /// <summary>Loads a vocabulary from a stream (read to its end; not disposed).</summary>
    /// <param name="vocab">vocab.txt contents.</param>
    /// <param name="lowerCase">True for uncased vocabularies.</param>
    public static WordPieceTokenizer FromVocab(Stream vocab, bool lowerCase = true)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        // Read once into memory: the vocabulary is scanned here for its size and "_", then by BertTokenizer.
        using var buffer = new MemoryStream();
        vocab.CopyTo(buffer);

        buffer.Position = 0;
        int lines = 0;
        int underscoreId = -1;
        using (var reader = new StreamReader(buffer, leaveOpen: true))
        {
            for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                if (line == "_" && underscoreId < 0) underscoreId = lines;
                lines++;
            }
        }

        buffer.Position = 0;
        var bert = MlBertTokenizer.Create(buffer, new MlBertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = lowerCase,
            ApplyBasicTokenization = true,
            // A literal "[SEP]" inside a report is text, not a control token.
            SplitOnSpecialTokens = false,
        });
        return new WordPieceTokenizer(bert, lines, underscoreId >= 0 ? underscoreId : bert.UnknownTokenId, lowerCase);
    }

    /// <summary>A tokenizer over a packaged vocabulary (<see cref="PackagedTextModels"/>), with its casing.</summary>
    /// <param name="name"><see cref="PackagedTextModels.MiniLM"/> or <see cref="PackagedTextModels.ArcticXs"/>.</param>
    public static WordPieceTokenizer FromPackaged(string name)
    {
        using var stream = PackagedTextModels.OpenVocab(name);
        return FromVocab(stream, PackagedTextModels.IsLowerCase(name));
    }

    /// <summary>
    /// Encodes one sentence as [CLS] pieces [SEP]. Longer sentences lose their last pieces so that the row has
    /// exactly <paramref name="maxLength"/> ids, [SEP] still last.
    /// </summary>
    /// <param name="sentence">Sentence text (cleaned here; null is empty).</param>
    /// <param name="maxLength">Most ids in the row, at least 2.</param>
    public int[] EncodeSentence(string? sentence, int maxLength = DefaultMaxLength)
    {
        if (maxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 2 ([CLS] and [SEP]).");
        var pieces = EncodePieces(sentence);
        int kept = Math.Min(pieces.Count, maxLength - 2);
        var ids = new int[kept + 2];
        ids[0] = ClsId;
        for (int k = 0; k < kept; k++) ids[k + 1] = pieces[k];
        ids[kept + 1] = SepId;
        return ids;
    }

    /// <summary>Encodes each sentence (<see cref="EncodeSentence"/>) and pads them into one batch (<see cref="Pad"/>).</summary>
    public TokenBatch EncodeBatch(IReadOnlyList<string> sentences, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var rows = new int[sentences.Count][];
        for (int r = 0; r < rows.Length; r++) rows[r] = EncodeSentence(sentences[r], maxLength);
        return Pad(rows);
    }

    /// <summary>
    /// Pads encoded rows to the longest one: ids [B * L] with [PAD] after each row, mask [B * L] with 1 on real
    /// tokens and 0 on padding.
    /// </summary>
    public TokenBatch Pad(IReadOnlyList<int[]> encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        int batch = encoded.Count;
        int length = 0;
        foreach (var row in encoded) length = Math.Max(length, row.Length);
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        Array.Fill(ids, PadId);
        for (int r = 0; r < batch; r++)
        {
            var row = encoded[r];
            int offset = r * length;
            for (int t = 0; t < row.Length; t++)
            {
                ids[offset + t] = row[t];
                mask[offset + t] = 1;
            }
        }
        return new TokenBatch(ids, mask, batch, length) { PadId = PadId };
    }

    /// <summary>WordPiece ids of a sentence without special tokens; each placeholder is one <see cref="PlaceholderId"/>.</summary>
    internal List<int> EncodePieces(string? sentence)
    {
        string text = ReportText.Clean(sentence);
        var pieces = new List<int>();
        int from = 0;
        while (from <= text.Length)
        {
            int at = text.IndexOf(ReportText.Placeholder, from, StringComparison.Ordinal);
            int segmentEnd = at < 0 ? text.Length : at;
            if (segmentEnd > from)
                pieces.AddRange(bert.EncodeToIds(text.Substring(from, segmentEnd - from), addSpecialTokens: false));
            if (at < 0) break;
            pieces.Add(PlaceholderId);
            from = at + ReportText.Placeholder.Length;
        }
        return pieces;
    }
}
