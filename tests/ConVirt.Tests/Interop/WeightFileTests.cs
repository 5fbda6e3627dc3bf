using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ConVirt.Interop;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Interop;

/// <summary>safetensors and torch.save files written here, read back strictly; refusal of unsafe or broken files.</summary>
[Collection(TorchCollection.Name)]
public sealed class WeightFileTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("convirt-weightfiles-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    string PathOf(string name) => Path.Combine(dir, name);

    static ResNetEncoder RandomisedResNet(ResNetSpec spec, int seed)
    {
        torch.manual_seed(seed);
        var encoder = new ResNetEncoder(spec);
        using var _ = torch.no_grad();
        // Non-trivial running statistics, so that eval outputs depend on every buffer.
        foreach (var (name, t) in encoder.state_dict())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(torch.randn(t.shape) * 0.1f);
            else if (name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(torch.rand(t.shape) + 0.5f);
            else if (name.EndsWith("bn1.weight", StringComparison.Ordinal) || name.EndsWith("bn2.weight", StringComparison.Ordinal)) t.copy_(torch.rand(t.shape) + 0.5f);
        }
        encoder.eval();
        return encoder;
    }

    static float[] Features(ResNetEncoder encoder, Tensor x)
    {
        using var _ = torch.no_grad();
        using var y = encoder.call(x);
        return y.data<float>().ToArray();
    }

    [Fact]
    public void HandWrittenSafetensorsFileIsReadWithValuesShapesAndMetadata()
    {
        // Header + raw little-endian data, written byte by byte here, independently of SafeTensors.Write.
        var json = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";
        var header = Encoding.UTF8.GetBytes(json);
        using (var file = File.Create(PathOf("hand.safetensors")))
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            file.Write(length);
            file.Write(header);
            foreach (var v in new[] { 1.5f, -2f, 3f, 0.25f, 0f, 7f }) { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); file.Write(b); }
            foreach (var v in new[] { 42L, -1L }) { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); file.Write(b); }
        }
        var tensors = SafeTensors.Read(PathOf("hand.safetensors"), out var metadata);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal([2L, 3], tensors["a"].shape);
        Assert.Equal([1.5f, -2f, 3f, 0.25f, 0f, 7f], tensors["a"].data<float>().ToArray());
        Assert.Equal(ScalarType.Int64, tensors["b"].dtype);
        Assert.Equal([42L, -1L], tensors["b"].data<long>().ToArray());
        StateDictLoader.DisposeAll(tensors.Values);
    }

    [Fact]
    public void WriterPadsTheHeaderAndRoundTrips()
    {
        using var a = torch.arange(6, dtype: ScalarType.Float32).reshape(3, 2);
        using var b = torch.tensor(new long[] { 5 });
        SafeTensors.Write(PathOf("w.safetensors"), [new("a", a), new("b", b)], new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(PathOf("w.safetensors"));
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 6 * 4 + 8, bytes.Length);
        Assert.Contains("\"a\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}", Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        var back = SafeTensors.Read(PathOf("w.safetensors"), out var metadata);
        Assert.Equal("v", metadata["k"]);
        Assert.Equal([0f, 1, 2, 3, 4, 5], back["a"].data<float>().ToArray());
        Assert.Equal(5L, back["b"].item<long>());
        StateDictLoader.DisposeAll(back.Values);
    }

    [Theory]
    [InlineData("r18.safetensors")]
    [InlineData("r18.pt")]
    public void ResNetRoundTripGivesIdenticalFeatures(string file)
    {
        using var source = RandomisedResNet(ResNetSpec.ResNet18 with { InChannels = 3 }, 1);
        using var target = RandomisedResNet(ResNetSpec.ResNet18 with { InChannels = 3 }, 2);
        WeightExport.SaveImageEncoder(source, PathOf(file));
        torch.manual_seed(3);
        using var x = torch.rand(2, 3, 64, 64);
        Assert.NotEqual(Features(source, x), Features(target, x));
        TorchWeights.LoadResNet(PathOf(file), target);
        Assert.Equal(Features(source, x), Features(target, x));
    }

    [Fact]
    public void TorchvisionKeysWithFcAndWithoutBatchCountersLoadAndGrayTargetSumsConv1()
    {
        using var source = RandomisedResNet(ResNetSpec.ResNet18 with { InChannels = 3 }, 4);
        var state = source.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        using var fcWeight = torch.zeros(1000, 512);
        using var fcBias = torch.zeros(1000);
        state.Add(new("fc.weight", fcWeight));
        state.Add(new("fc.bias", fcBias));
        SafeTensors.Write(PathOf("tv.safetensors"), state);
        using var gray = new ResNetEncoder(ResNetSpec.ResNet18);
        TorchWeights.LoadResNet(PathOf("tv.safetensors"), gray);
        using var expected = source.state_dict()["conv1.weight"].sum(1, keepdim: true);
        Assert.True(expected.allclose(gray.state_dict()["conv1.weight"]));
        Assert.Equal(source.state_dict()["layer4.1.bn2.running_var"].data<float>().ToArray(), gray.state_dict()["layer4.1.bn2.running_var"].data<float>().ToArray());
    }

    [Fact]
    public void WrongArchitectureListsKeysAndLeavesTheTargetUntouched()
    {
        using var r50 = new ResNetEncoder(ResNetSpec.ResNet50 with { InChannels = 3 });
        WeightExport.SaveImageEncoder(r50, PathOf("r50.safetensors"));
        using var r18 = new ResNetEncoder(ResNetSpec.ResNet18 with { InChannels = 3 });
        using var before = r18.state_dict()["conv1.weight"].clone();
        var e = Assert.Throws<WeightLoadException>(() => TorchWeights.LoadResNet(PathOf("r50.safetensors"), r18));
        Assert.Contains("layer1.0.conv3.weight", e.Unexpected);
        Assert.Contains("layer1.0.conv1.weight: model [64, 64, 3, 3], file [64, 64, 1, 1]", e.MisShaped);
        Assert.Empty(e.Missing);                  // every resnet18 key exists in resnet50, with other shapes
        Assert.Contains(PathOf("r50.safetensors"), e.Message);
        Assert.Equal(before.data<float>().ToArray(), r18.state_dict()["conv1.weight"].data<float>().ToArray());   // nothing copied
    }

    [Theory]
    [InlineData("t.safetensors", "truncated")]
    [InlineData("t.pt", "truncated or corrupt")]
    public void TruncatedFileGivesAnErrorNamingIt(string file, string expected)
    {
        using var encoder = new ResNetEncoder(ResNetSpec.ResNet18);
        WeightExport.SaveImageEncoder(encoder, PathOf(file));
        var bytes = File.ReadAllBytes(PathOf(file));
        File.WriteAllBytes(PathOf(file), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<WeightLoadException>(() => TorchWeights.LoadResNet(PathOf(file), encoder));
        Assert.Contains(PathOf(file), e.Message);
        Assert.Contains(expected, e.Message);
    }

    static void WritePickleZip(string path, byte[] pickle)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl").Open()) s.Write(pickle);
        using (var s = new StreamWriter(zip.CreateEntry("archive/version").Open())) s.Write("3\n");
    }

    [Fact]
    public void PickleWithGlobalOsSystemIsRefused()
    {
        // protocol 2: GLOBAL 'os system', the argument tuple ('echo pwned',), REDUCE, STOP
        var pickle = new List<byte> { 0x80, 2 };
        pickle.AddRange(Encoding.ASCII.GetBytes("cos\nsystem\n"));
        pickle.Add((byte)'X'); pickle.AddRange(BitConverter.GetBytes(10)); pickle.AddRange(Encoding.ASCII.GetBytes("echo pwned"));
        pickle.AddRange([0x85, (byte)'R', (byte)'.']);
        WritePickleZip(PathOf("evil.pt"), pickle.ToArray());
        using var encoder = new ResNetEncoder(ResNetSpec.ResNet18);
        var e = Assert.Throws<WeightLoadException>(() => TorchWeights.LoadResNet(PathOf("evil.pt"), encoder));
        Assert.Contains("refused to unpickle: global 'os.system'", e.Message);
        Assert.Contains(PathOf("evil.pt"), e.Message);
    }

    [Fact]
    public void PickleWithStackGlobalBuiltinsEvalIsRefused()
    {
        // protocol 4: SHORT_BINUNICODE 'builtins', MEMOIZE, SHORT_BINUNICODE 'eval', MEMOIZE, STACK_GLOBAL, ...
        var pickle = new List<byte> { 0x80, 4, 0x8c, 8 };
        pickle.AddRange(Encoding.ASCII.GetBytes("builtins"));
        pickle.AddRange([0x94, 0x8c, 4]);
        pickle.AddRange(Encoding.ASCII.GetBytes("eval"));
        pickle.AddRange([0x94, 0x93, 0x94, 0x8c, 1, (byte)'1', 0x85, (byte)'R', (byte)'.']);
        var e = Assert.Throws<WeightLoadException>(() => TorchPickleGuard.Check(pickle.ToArray(), "mem"));
        Assert.Contains("global 'builtins.eval'", e.Message);
    }

    [Fact]
    public void PyBridgePicklePassesTheGuardWithOnlyAllowedGlobals()
    {
        using var encoder = new ResNetEncoder(ResNetSpec.ResNet18);
        WeightExport.SaveImageEncoder(encoder, PathOf("ok.pt"));
        using var zip = ZipFile.OpenRead(PathOf("ok.pt"));
        using var pkl = zip.Entries.Single(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)).Open();
        using var buffer = new MemoryStream();
        pkl.CopyTo(buffer);
        var globals = TorchPickleGuard.Check(buffer.ToArray(), "ok.pt").ToHashSet();
        Assert.Contains("torch._utils._rebuild_tensor_v2", globals);
        Assert.Contains("torch.FloatStorage", globals);
        Assert.Contains("torch.LongStorage", globals);      // num_batches_tracked
    }

    static BertSpec TinyBert => new() { VocabSize = 40, HiddenSize = 16, NumLayers = 2, NumHeads = 2, IntermediateSize = 32, MaxPositions = 24 };

    static string Vocab(int count) => string.Join("\n", Enumerable.Range(0, count).Select(i => i == 0 ? "[PAD]" : "Tok" + i)) + "\n";

    static float[] Tokens(BertTextEncoder encoder)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var ids = torch.tensor(new long[] { 1, 5, 9, 3, 0, 2, 7, 39, 4, 11 }, [2L, 5]);
        var mask = torch.tensor(new long[] { 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, [2L, 5]);
        return encoder.EncodeTokens(ids, mask).data<float>().ToArray();
    }

    [Fact]
    public void BertFolderRoundTripKeepsOutputsSpecAndCase()
    {
        torch.manual_seed(5);
        using var source = new BertTextEncoder(TinyBert with { LayerNormEps = 1e-7 });
        source.eval();
        var folder = PathOf("bert");
        WeightExport.SaveTextEncoder(source, Vocab(40), folder, lowerCase: false);
        var (loaded, vocab, lowerCase) = TorchWeights.LoadBert(folder);
        using var _ = loaded;
        Assert.False(lowerCase);
        Assert.Equal(TinyBert with { LayerNormEps = 1e-7 }, loaded.Spec);
        Assert.StartsWith("[PAD]\nTok1\n", vocab);
        Assert.Equal(Tokens(source), Tokens(loaded));
    }

    [Fact]
    public void BertCheckpointWithPrefixHeadsAndPositionIdsLoads()
    {
        torch.manual_seed(6);
        using var source = new BertTextEncoder(TinyBert);
        source.eval();
        var folder = PathOf("hf");
        WeightExport.SaveTextEncoder(source, Vocab(40), folder);
        // Re-save as a BertForPreTraining-style checkpoint: 'bert.' prefix, MLM head, position_ids buffer.
        using var positions = torch.arange(24, dtype: ScalarType.Int64).unsqueeze(0);
        using var head = torch.zeros(40);
        var entries = source.state_dict().Select(kv => new KeyValuePair<string, Tensor>("bert." + kv.Key, kv.Value)).ToList();
        entries.Add(new("bert.embeddings.position_ids", positions));
        entries.Add(new("cls.predictions.bias", head));
        File.Delete(Path.Combine(folder, "model.safetensors"));
        WeightExport.SaveProjection(new DictionaryModule(entries), Path.Combine(folder, "pytorch_model.bin"));
        var loaded = TorchWeights.LoadBert(folder);
        using var _ = loaded.Encoder;
        Assert.True(loaded.LowerCase);
        Assert.Equal(Tokens(source), Tokens(loaded.Encoder));
    }

    [Fact]
    public void BertVocabularyThatDoesNotMatchTheEmbeddingIsRejected()
    {
        using var source = new BertTextEncoder(TinyBert);
        var folder = PathOf("bad");
        WeightExport.SaveTextEncoder(source, Vocab(40), folder);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), Vocab(39));
        var e = Assert.Throws<WeightLoadException>(() => TorchWeights.LoadBert(folder));
        Assert.Contains("has 39 tokens but config.json's vocab_size (the word embedding rows) is 40", e.Message);
        Assert.Contains("vocab.txt", e.Message);
    }

    [Fact]
    public void GrayEncoderExpandedToRgbDividesConv1ByThree()
    {
        torch.manual_seed(7);
        using var gray = new ResNetEncoder(ResNetSpec.ResNet18);
        WeightExport.SaveImageEncoder(gray, PathOf("rgb.safetensors"), expandToRgb: true);
        var state = SafeTensors.Read(PathOf("rgb.safetensors"), out var metadata);
        Assert.Equal([64L, 3, 7, 7], state["conv1.weight"].shape);
        using var expected = gray.state_dict()["conv1.weight"] / 3f;
        Assert.True(state["conv1.weight"][.., 2..3].allclose(expected));
        Assert.Equal("3", metadata["convirt.in_channels"]);
        Assert.Equal("symmetric", metadata["convirt.padding"]);
        Assert.False(state.ContainsKey("fc.weight"));
        StateDictLoader.DisposeAll(state.Values);
    }

    [Fact]
    public void TopLeftPaddingEqualsSymmetricPaddingAtSizesDivisibleBy32()
    {
        // Why a torchvision ResNet(BasicBlock, [2, 2, 2, 3]) reproduces the CNTK variant at 224x224 without padding changes:
        // every strided window starts at -pad in both styles and the extra bottom/right padding is never reached.
        using var topLeft = RandomisedResNet(ResNetSpec.ResNet18Cntk with { InChannels = 3 }, 9);
        using var symmetric = new ResNetEncoder(ResNetSpec.ResNet18Cntk with { InChannels = 3, Padding = PaddingStyle.Symmetric });
        symmetric.load_state_dict(topLeft.state_dict());
        symmetric.eval();
        torch.manual_seed(10);
        using var even = torch.rand(1, 3, 64, 64);
        Assert.Equal(Features(topLeft, even), Features(symmetric, even));
        using var odd = torch.rand(1, 3, 65, 65);
        Assert.NotEqual(Features(topLeft, odd), Features(symmetric, odd));
    }

    [Fact]
    public void ProjectionHeadRoundTrips()
    {
        torch.manual_seed(8);
        using var a = ConVirt.Models.ProjectionHead.Create(8, 6, 4);
        using var b = ConVirt.Models.ProjectionHead.Create(8, 6, 4);
        WeightExport.SaveProjection(a, PathOf("proj.pt"));
        TorchWeights.LoadProjection(PathOf("proj.pt"), b);
        using var x = torch.randn(3, 8);
        using var ya = a.call(x);
        using var yb = b.call(x);
        Assert.Equal(ya.data<float>().ToArray(), yb.data<float>().ToArray());
    }

    /// <summary>A module whose state dict is a given list of named tensors (to write arbitrary checkpoints).</summary>
    sealed class DictionaryModule : nn.Module
    {
        readonly List<KeyValuePair<string, Tensor>> entries;
        public DictionaryModule(List<KeyValuePair<string, Tensor>> entries) : base("dict") => this.entries = entries;
        public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null) =>
            entries.ToDictionary(kv => kv.Key, kv => kv.Value);
    }
}
