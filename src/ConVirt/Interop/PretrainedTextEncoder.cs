using ConVirt.Models.Text;

namespace ConVirt.Interop;

/// <summary>
/// A text encoder with pretrained weights and the WordPiece vocabulary it was trained with.
/// Deconstructs as <c>var (encoder, vocabText, lowerCase) = ...</c>. The caller owns (disposes) the encoder.
/// </summary>
/// <param name="Encoder">The encoder, in eval mode.</param>
/// <param name="VocabText">The contents of vocab.txt (one token per line; line i is id i).</param>
/// <param name="LowerCase">Whether the tokenizer lower-cases (uncased vocabulary).</param>
internal sealed record PretrainedTextEncoder(BertTextEncoder Encoder, string VocabText, bool LowerCase)
{
    /// <summary>The vocabulary as a UTF-8 stream, e.g. for Microsoft.ML.Tokenizers' <c>BertTokenizer.Create</c>.</summary>
    public Stream OpenVocab() => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(VocabText), writable: false);

    /// <summary>Number of tokens in <see cref="VocabText"/> (non-empty lines up to the last one).</summary>
    public int VocabCount => CountTokens(VocabText);

    internal static int CountTokens(string vocabText)
    {
        var lines = vocabText.Split('\n');
        int count = lines.Length;
        while (count > 0 && lines[count - 1].TrimEnd('\r').Length == 0) count--;
        return count;
    }

    /// <summary>True unless a vocabulary token outside [brackets] has an ASCII capital (as cased BERT vocabularies do).</summary>
    internal static bool LooksUncased(string vocabText) =>
        !vocabText.Split('\n').Any(t => !t.StartsWith('[') && t.Any(c => c is >= 'A' and <= 'Z'));
}
