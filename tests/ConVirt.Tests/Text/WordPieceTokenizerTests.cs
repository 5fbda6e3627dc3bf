using ConVirt.Data.Text;
using Xunit;

namespace ConVirt.Tests.Text;

public class WordPieceTokenizerTests
{
    // Hand-written vocabulary: id = line index.
    static readonly string[] TinyVocab =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", // 0-4
        "no", "pleural", "effusion", ".", "cardio",   // 5-9
        "##me", "##galy", "lung", "##s", "_",         // 10-14
        "clear",                                       // 15
    ];

    static string WriteVocab(IEnumerable<string> tokens)
    {
        string path = Path.Combine(Path.GetTempPath(), $"convirt-vocab-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, tokens);
        return path;
    }

    static WordPieceTokenizer Tiny(bool lowerCase = true, bool withUnderscore = true)
    {
        string path = WriteVocab(withUnderscore ? TinyVocab : TinyVocab.Where(t => t != "_"));
        try { return WordPieceTokenizer.FromVocab(path, lowerCase); }
        finally { File.Delete(path); }
    }

    /// <summary>MiniLM's vocabulary read directly (line index = id), independent of the tokenizer.</summary>
    static readonly Lazy<Dictionary<string, int>> MiniLmVocab = new(() =>
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(PackagedTextModels.OpenVocab("minilm"));
        int line = 0;
        for (string? token = reader.ReadLine(); token is not null; token = reader.ReadLine(), line++)
            ids.TryAdd(token, line);
        return ids;
    });

    static int[] MiniLmIds(params string[] pieces) => [.. pieces.Select(p => MiniLmVocab.Value[p])];

    static readonly Lazy<WordPieceTokenizer> MiniLm = new(() => WordPieceTokenizer.FromPackaged("minilm"));

    [Fact]
    public void Tiny_vocabulary_splits_words_into_pieces_and_unknown_words_into_unk()
    {
        var tokenizer = Tiny();
        Assert.Equal(16, tokenizer.VocabSize);
        Assert.Equal((0, 1, 2, 3), (tokenizer.PadId, tokenizer.UnkId, tokenizer.ClsId, tokenizer.SepId));
        Assert.Equal([2, 5, 9, 10, 11, 8, 3], tokenizer.EncodeSentence("No cardiomegaly."));
        Assert.Equal([2, 1, 3], tokenizer.EncodeSentence("pneumothorax"));
        Assert.Equal([2, 12, 13, 15, 3], tokenizer.EncodeSentence("Lungs clear"));
    }

    [Fact]
    public void Cased_tokenizer_does_not_lowercase()
    {
        Assert.Equal([2, 1, 6, 3], Tiny(lowerCase: false).EncodeSentence("No pleural"));
        Assert.Equal([2, 5, 6, 3], Tiny(lowerCase: true).EncodeSentence("No pleural"));
    }

    [Fact]
    public void A_placeholder_is_one_underscore_token_or_unk_without_one()
    {
        var tokenizer = Tiny();
        Assert.Equal(14, tokenizer.PlaceholderId);
        // "____", "XXXX" and "[**...**]" are all one placeholder; a lone "_" is the same piece.
        Assert.Equal([2, 14, 15, 14, 12, 14, 3], tokenizer.EncodeSentence("____ clear XXXX lung [**Known lastname 1**]"));
        Assert.Equal([2, 12, 14, 12, 3], tokenizer.EncodeSentence("lung _ lung"));

        var withoutUnderscore = Tiny(withUnderscore: false);
        Assert.Equal(1, withoutUnderscore.PlaceholderId);
        Assert.Equal([2, 1, 14, 3], withoutUnderscore.EncodeSentence("___ clear"));
    }

    [Fact]
    public void MiniLm_encodes_a_sentence_to_the_vocabulary_ids()
    {
        var tokenizer = MiniLm.Value;
        Assert.Equal(30522, tokenizer.VocabSize);
        Assert.Equal((0, 100, 101, 102), (tokenizer.PadId, tokenizer.UnkId, tokenizer.ClsId, tokenizer.SepId));
        // Greedy longest-match pieces worked out by hand against vocab.txt.
        int[] expected = [101, .. MiniLmIds("no", "pl", "##eur", "##al", "e", "##ff", "##usion", "."), 102];
        Assert.Equal([101, 2053, 20228, 11236, 2389, 1041, 4246, 14499, 1012, 102], expected);
        Assert.Equal(expected, tokenizer.EncodeSentence("No pleural effusion."));
    }

    [Fact]
    public void MiniLm_encodes_placeholders_as_one_underscore_piece()
    {
        var tokenizer = MiniLm.Value;
        int underscore = MiniLmVocab.Value["_"];
        Assert.Equal(1035, underscore);
        Assert.Equal(underscore, tokenizer.PlaceholderId);
        int[] expected = [101, MiniLmVocab.Value["the"], underscore, MiniLmVocab.Value["lobe"], underscore, 102];
        Assert.Equal(expected, tokenizer.EncodeSentence("The ___ lobe XXXX"));
        Assert.Equal(expected, tokenizer.EncodeSentence("The [**Location 1**] lobe __"));
    }

    [Fact]
    public void Truncation_keeps_sep_last_at_exactly_max_length()
    {
        var tokenizer = MiniLm.Value;
        string sentence = "Mild cardiomegaly with bibasilar atelectasis.";
        int[] full = tokenizer.EncodeSentence(sentence, 128);
        Assert.Equal(17, full.Length); // 15 pieces + [CLS] + [SEP]
        int[] cut = tokenizer.EncodeSentence(sentence, 6);
        Assert.Equal([.. full[..5], 102], cut);
        Assert.Equal([101, 102], tokenizer.EncodeSentence(sentence, 2));
        Assert.Equal(full, tokenizer.EncodeSentence(sentence, 17));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.EncodeSentence(sentence, 1));
        Assert.Equal("maxLength", error.ParamName);
    }

    [Fact]
    public void Pad_fills_short_rows_with_pad_and_mask_zero()
    {
        var tokenizer = MiniLm.Value;
        var batch = tokenizer.EncodeBatch(["No pleural effusion.", "Clear."]);
        Assert.Equal(2, batch.BatchSize);
        Assert.Equal(10, batch.Length);
        long clear = MiniLmVocab.Value["clear"];
        Assert.Equal(
            [101, 2053, 20228, 11236, 2389, 1041, 4246, 14499, 1012, 102,
             101, clear, 1012, 102, 0, 0, 0, 0, 0, 0],
            batch.InputIds);
        Assert.Equal(
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
             1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
            batch.AttentionMask);
    }

    [Fact]
    public void Pad_of_no_rows_is_an_empty_batch()
    {
        var batch = Tiny().Pad([]);
        Assert.Equal((0, 0, 0, 0), (batch.BatchSize, batch.Length, batch.InputIds.Length, batch.AttentionMask.Length));
    }

    [Fact]
    public void Stream_and_path_vocabularies_agree()
    {
        string path = WriteVocab(TinyVocab);
        try
        {
            using var stream = File.OpenRead(path);
            var fromStream = WordPieceTokenizer.FromVocab(stream);
            Assert.Equal(Tiny().EncodeSentence("no cardiomegaly lungs"), fromStream.EncodeSentence("no cardiomegaly lungs"));
            Assert.Equal([2, 5, 9, 10, 11, 12, 13, 3], fromStream.EncodeSentence("no cardiomegaly lungs"));
        }
        finally { File.Delete(path); }
    }
}
