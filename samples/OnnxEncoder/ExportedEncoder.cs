using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace ConVirt.Samples.OnnxEncoder;

/// <summary>
/// An encoder exported by <c>convirt export --format onnx</c>, run with ONNX Runtime: images [batch, C, H, W] in
/// [0, 1] to h_v and v, sentences (tokenised here as model-card.json says) to h_u and u.
/// </summary>
public sealed class ExportedEncoder : IDisposable
{
    private readonly InferenceSession image;
    private readonly InferenceSession? text;
    private readonly BertTokenizer? tokenizer;

    /// <summary>Opens the folder written by the export.</summary>
    public ExportedEncoder(string folder)
    {
        using var card = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "model-card.json")));
        var imageCard = card.RootElement.GetProperty("image");
        ImageSize = imageCard.GetProperty("input").GetProperty("size")[0].GetInt32();
        Channels = imageCard.GetProperty("input").GetProperty("shape")[1].GetInt32();
        image = new InferenceSession(Path.Combine(folder, imageCard.GetProperty("file").GetString()!));
        if (card.RootElement.GetProperty("text") is { ValueKind: JsonValueKind.Object } textCard)
        {
            var t = textCard.GetProperty("tokenizer");
            MaxLength = t.GetProperty("maxLength").GetInt32();
            bool lowerCase = t.GetProperty("lowerCase").GetBoolean();
            tokenizer = BertTokenizer.Create(Path.Combine(folder, t.GetProperty("vocab").GetString()!), new BertOptions
            {
                LowerCaseBeforeTokenization = lowerCase,
                RemoveNonSpacingMarks = t.GetProperty("stripAccents").GetBoolean(),
                ApplyBasicTokenization = t.GetProperty("basicTokenization").GetBoolean(),
                SplitOnSpecialTokens = t.GetProperty("splitOnSpecialTokens").GetBoolean(),
            });
            text = new InferenceSession(Path.Combine(folder, textCard.GetProperty("file").GetString()!));
        }
    }

    /// <summary>Side of the square image the encoder was trained at.</summary>
    public int ImageSize { get; }

    /// <summary>Input channels (1 gray, 3 RGB).</summary>
    public int Channels { get; }

    /// <summary>Most ids per sentence, [CLS] and [SEP] included.</summary>
    public int MaxLength { get; }

    /// <summary>Whether the export has a text tower.</summary>
    public bool HasText => text is not null;

    /// <summary>Runs the image graph on <paramref name="pixels"/> [batch, C, H, W] (row-major, in [0, 1]); returns each output by name (h_v, v), [batch][width].</summary>
    public Dictionary<string, float[][]> EncodeImages(float[] pixels, int batch, int height, int width)
    {
        var input = new DenseTensor<float>(pixels, [batch, Channels, height, width]);
        using var results = image.Run([NamedOnnxValue.CreateFromTensor("image", input)]);
        return results.ToDictionary(r => r.Name, r => Rows(r.AsTensor<float>()));
    }

    /// <summary>Token ids of one sentence: [CLS] pieces [SEP], cut to <see cref="MaxLength"/> with [SEP] kept last.</summary>
    public long[] Tokenise(string sentence)
    {
        var t = tokenizer ?? throw new InvalidOperationException("this export has no text tower");
        var ids = t.EncodeToIds(sentence).Select(i => (long)i).ToList();   // [CLS] ... [SEP]
        if (ids.Count > MaxLength) ids = [.. ids.Take(MaxLength - 1), t.SeparatorTokenId];
        return [.. ids];
    }

    /// <summary>Runs the text graph on sentences (padded to the longest); returns each output by name (h_u, u).</summary>
    public Dictionary<string, float[][]> EncodeTexts(IReadOnlyList<string> sentences)
    {
        var session = text ?? throw new InvalidOperationException("this export has no text tower");
        var rows = sentences.Select(Tokenise).ToArray();
        int length = rows.Max(r => r.Length);
        var ids = new DenseTensor<long>([rows.Length, length]);
        var mask = new DenseTensor<long>([rows.Length, length]);
        for (int b = 0; b < rows.Length; b++)
            for (int i = 0; i < length; i++)
            {
                ids[b, i] = i < rows[b].Length ? rows[b][i] : tokenizer!.PaddingTokenId;
                mask[b, i] = i < rows[b].Length ? 1 : 0;
            }
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input_ids", ids), NamedOnnxValue.CreateFromTensor("attention_mask", mask)]);
        return results.ToDictionary(r => r.Name, r => Rows(r.AsTensor<float>()));
    }

    /// <summary>Cosine similarity, the score retrieval and zero-shot classification rank by.</summary>
    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }

    private static float[][] Rows(Tensor<float> t)
    {
        int batch = t.Dimensions[0], width = t.Dimensions[1];
        var all = t.ToArray();
        return Enumerable.Range(0, batch).Select(b => all.AsSpan(b * width, width).ToArray()).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        image.Dispose();
        text?.Dispose();
    }
}
