using System.Text;
using ConVirt.Data.Text;

namespace ConVirt.Fuzz;

/// <summary>
/// Report text on arbitrary bytes (UTF-8 decoded with replacement, as a manifest's text reaches the model):
/// <see cref="SentenceSplitter.Split"/>, then <see cref="WordPieceTokenizer"/> on every sentence and
/// <see cref="ReportSentences.Create"/>. Documents no exception; sentences are non-empty, token ids lie in the
/// vocabulary and no encoded sentence is longer than the maximum length.
/// </summary>
internal sealed class ReportTextTarget : FuzzTarget
{
    private static readonly Lazy<WordPieceTokenizer> Tokenizer = new(() => WordPieceTokenizer.FromPackaged(PackagedTextModels.MiniLM));

    /// <inheritdoc />
    public override string Name => "report-text";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        var tokenizer = Tokenizer.Value;
        foreach (var sentence in SentenceSplitter.Split(text))
        {
            Require(!string.IsNullOrWhiteSpace(sentence), "an empty sentence");
            var ids = tokenizer.EncodeSentence(sentence, maxLength: 64);
            Require(ids.Length is >= 2 and <= 64, $"{ids.Length} ids for max length 64");
            Require(ids.All(i => i >= 0 && i < tokenizer.VocabSize), "a token id outside the vocabulary");
        }
        var report = ReportSentences.Create(text, tokenizer);
        Require(report.Sentences.Count == report.TokenIds.Count, "sentences and token rows differ in number");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => false;
}
