using System.Collections;
using System.IO.Compression;
using System.Text.Json;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ConVirt.Interop;

/// <summary>
/// Loads PyTorch weights: <c>torch.save(state_dict)</c> files (.pt, .pth, .bin; zip format) and .safetensors,
/// into the encoders by their torchvision / HuggingFace names. Loads are strict and all-or-nothing: every key and
/// shape is checked before anything is copied, and mismatches throw <see cref="WeightLoadException"/>.
/// </summary>
internal static class TorchWeights
{
    /// <summary>
    /// Reads a state dict (CPU tensors) from .safetensors or a torch.save zip file. Pickles are scanned first and
    /// refused if they reference anything but OrderedDict, torch's tensor rebuild functions and storages.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        if (!File.Exists(path)) throw new WeightLoadException(path, "file not found");
        if (IsSafeTensors(path)) return SafeTensors.Read(path);
        return ReadTorchZip(path);
    }

    /// <summary>
    /// Loads torchvision ResNet weights (<c>torchvision.models.resnet18().state_dict()</c> or resnet50) into
    /// <paramref name="target"/>: <c>fc.*</c> is dropped, conv1 is summed over its 3 input channels when the target
    /// takes 1 channel, and <c>num_batches_tracked</c> may be absent (older torchvision files). The target's input
    /// normalisation is left as it is (ImageNet's, which torchvision weights expect), except for .safetensors files
    /// written by <see cref="WeightExport.SaveImageEncoder"/>: their recorded mean/std and preprocess file (mean image,
    /// stem offset) are restored when they fit the target's channel count.
    /// </summary>
    public static void LoadResNet(string path, ResNetEncoder target)
    {
        var state = ReadStateDict(path);
        try
        {
            foreach (var key in state.Keys.Where(k => k.StartsWith("fc.", StringComparison.Ordinal)).ToList())
            {
                state[key].Dispose();
                state.Remove(key);
            }
            if (target.Spec.InChannels == 1 && state.TryGetValue("conv1.weight", out var conv1) && conv1.dim() == 4 && conv1.shape[1] == 3)
            {
                state["conv1.weight"] = conv1.sum(1, keepdim: true);
                conv1.Dispose();
            }
            StateDictLoader.Load(target, state, path, key => key.EndsWith(".num_batches_tracked", StringComparison.Ordinal));
        }
        finally
        {
            StateDictLoader.DisposeAll(state.Values);
        }
        if (IsSafeTensors(path)) RestorePreprocessing(path, target);
    }

    private static void RestorePreprocessing(string path, ResNetEncoder target)
    {
        var metadata = SafeTensors.ReadMetadata(path);
        int channels = target.Spec.InChannels;
        if (metadata.TryGetValue("convirt.input_mean", out var meanText) && metadata.TryGetValue("convirt.input_std", out var stdText))
        {
            var mean = ParseFloats(meanText);
            var std = ParseFloats(stdText);
            if (mean.Length == channels && std.Length == channels) target.SetInputNormalization(mean, std);
        }
        if (!metadata.TryGetValue("convirt.preprocess_file", out var file)) return;
        var sidecar = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, file);
        if (!File.Exists(sidecar)) throw new WeightLoadException(sidecar, $"preprocess file named by {path} not found");
        var extra = SafeTensors.Read(sidecar);
        try
        {
            if (extra.TryGetValue("mean_image", out var image) && image.dim() == 3 && image.shape[0] == channels)
                target.SetInputMeanImage(image.to_type(ScalarType.Float32).data<float>().ToArray(), (int)image.shape[1], (int)image.shape[2]);
            if (extra.TryGetValue("stem_offset", out var offset) && offset.dim() == 3 && offset.shape[0] == target.Spec.Width)
                target.SetStemOffset(offset.to_type(ScalarType.Float32).data<float>().ToArray(), (int)offset.shape[1], (int)offset.shape[2]);
        }
        finally
        {
            StateDictLoader.DisposeAll(extra.Values);
        }
    }

    private static float[] ParseFloats(string text) =>
        text.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Loads a projection head g (keys <c>0.weight, 0.bias, 2.weight, 2.bias</c>) saved by <see cref="WeightExport.SaveProjection"/>.</summary>
    public static void LoadProjection(string path, nn.Module target)
    {
        var state = ReadStateDict(path);
        try { StateDictLoader.Load(target, state, path); }
        finally { StateDictLoader.DisposeAll(state.Values); }
    }

    /// <summary>
    /// Loads a HuggingFace BERT folder: <c>config.json</c> (-> <see cref="BertSpec"/>), <c>vocab.txt</c>,
    /// <c>model.safetensors</c> or <c>pytorch_model.bin</c>, and <c>tokenizer_config.json</c>'s <c>do_lower_case</c>
    /// (default true). A <c>bert.</c> prefix is stripped; <c>cls.*</c> heads and <c>embeddings.position_ids</c> are
    /// ignored; <c>pooler.*</c> may be absent (unused by max-pooling). The encoder is returned in eval mode.
    /// </summary>
    public static PretrainedTextEncoder LoadBert(string folder)
    {
        if (!Directory.Exists(folder)) throw new WeightLoadException(folder, "folder not found");
        var spec = ReadBertConfig(Path.Combine(folder, "config.json"));
        var vocabPath = Path.Combine(folder, "vocab.txt");
        if (!File.Exists(vocabPath)) throw new WeightLoadException(vocabPath, "file not found (the WordPiece vocabulary)");
        var vocab = File.ReadAllText(vocabPath);
        int tokens = PretrainedTextEncoder.CountTokens(vocab);
        if (tokens != spec.VocabSize)
            throw new WeightLoadException(vocabPath, $"has {tokens} tokens but config.json's vocab_size (the word embedding rows) is {spec.VocabSize}");
        bool lowerCase = ReadLowerCase(Path.Combine(folder, "tokenizer_config.json"));

        var weightsPath = new[] { "model.safetensors", "pytorch_model.bin" }.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists)
            ?? throw new WeightLoadException(folder, "has neither model.safetensors nor pytorch_model.bin");
        var raw = ReadStateDict(weightsPath);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, tensor) in raw)
            {
                string name = key.StartsWith("bert.", StringComparison.Ordinal) ? key["bert.".Length..] : key;
                if (name.StartsWith("cls.", StringComparison.Ordinal) || name == "embeddings.position_ids") continue;
                state[name] = tensor;
            }
            var encoder = new BertTextEncoder(spec);
            try
            {
                StateDictLoader.Load(encoder, state, weightsPath, key => key.StartsWith("pooler.", StringComparison.Ordinal));
                encoder.eval();
                return new PretrainedTextEncoder(encoder, vocab, lowerCase);
            }
            catch
            {
                encoder.Dispose();
                throw;
            }
        }
        finally
        {
            StateDictLoader.DisposeAll(raw.Values);
        }
    }

    /// <summary>Reads HuggingFace's BertConfig fields from config.json.</summary>
    internal static BertSpec ReadBertConfig(string path)
    {
        if (!File.Exists(path)) throw new WeightLoadException(path, "file not found (the model configuration)");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            int Int(string name, int fallback) => root.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
            double Real(string name, double fallback) => root.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;
            if (root.TryGetProperty("model_type", out var type) && type.GetString() is { } t && t != "bert")
                throw new WeightLoadException(path, $"model_type is '{t}', expected 'bert'");
            if (root.TryGetProperty("hidden_act", out var act) && act.GetString() is { } a && a != "gelu")
                throw new WeightLoadException(path, $"hidden_act is '{a}'; only 'gelu' (exact) is supported");
            if (root.TryGetProperty("position_embedding_type", out var pos) && pos.GetString() is { } p && p != "absolute")
                throw new WeightLoadException(path, $"position_embedding_type is '{p}'; only 'absolute' is supported");
            var defaults = new BertSpec();
            var spec = new BertSpec
            {
                VocabSize = Int("vocab_size", defaults.VocabSize),
                HiddenSize = Int("hidden_size", defaults.HiddenSize),
                NumLayers = Int("num_hidden_layers", defaults.NumLayers),
                NumHeads = Int("num_attention_heads", defaults.NumHeads),
                IntermediateSize = Int("intermediate_size", defaults.IntermediateSize),
                MaxPositions = Int("max_position_embeddings", defaults.MaxPositions),
                TypeVocabSize = Int("type_vocab_size", defaults.TypeVocabSize),
                LayerNormEps = Real("layer_norm_eps", defaults.LayerNormEps),
                HiddenDropout = Real("hidden_dropout_prob", defaults.HiddenDropout),
                AttentionDropout = Real("attention_probs_dropout_prob", defaults.AttentionDropout),
            };
            spec.Validate();
            return spec;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new WeightLoadException(path, "unreadable BERT configuration (" + e.Message + ")", e);
        }
    }

    private static bool ReadLowerCase(string path)
    {
        if (!File.Exists(path)) return true;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return !doc.RootElement.TryGetProperty("do_lower_case", out var v) || v.ValueKind != JsonValueKind.False;
        }
        catch (JsonException e) { throw new WeightLoadException(path, "unreadable tokenizer configuration (" + e.Message + ")", e); }
    }

    private static bool IsSafeTensors(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return true;
        // Otherwise by content: a zip starts "PK\x03\x04"; safetensors starts with a header length then '{'.
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        return stream.Read(head) == 9 && head[8] == (byte)'{' && !(head[0] == 'P' && head[1] == 'K');
    }

    private static Dictionary<string, Tensor> ReadTorchZip(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        if (stream.Read(magic) < 4 || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4)
            throw new WeightLoadException(path, "not a zip-format torch.save file (the legacy pre-1.6 format is not supported; re-save with a current PyTorch or use .safetensors)");
        stream.Position = 0;
        try
        {
            using (var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
            {
                var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl").ToList();
                if (pickles.Count != 1) throw new WeightLoadException(path, $"expected one data.pkl in the archive, found {pickles.Count}");
                using var pkl = pickles[0].Open();
                using var buffer = new MemoryStream();
                pkl.CopyTo(buffer);
                TorchPickleGuard.Check(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), path);
            }
            stream.Position = 0;
            var table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
            return ToDictionary(table, path);
        }
        // found by fuzzing: the unpickler (Razorvine) underflows its stack on a MARK-less APPENDS / DICT / TUPLE
        // (IndexOutOfRangeException) and PyBridge looks a storage up with First() (InvalidOperationException when the
        // archive lacks it): both are a corrupt file, never a crash
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotImplementedException or InvalidCastException
                                      or IOException or Razorvine.Pickle.PickleException or KeyNotFoundException or ArgumentException
                                      or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new WeightLoadException(path, $"unreadable torch.save file ({e.GetType().Name}: {e.Message}); truncated or corrupt?", e);
        }
    }

    private static Dictionary<string, Tensor> ToDictionary(Hashtable table, string path)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
            {
                StateDictLoader.DisposeAll(result.Values);
                throw new WeightLoadException(path, "the pickle is not a flat state dict of tensors");
            }
            result[key] = tensor;
        }
        return result;
    }
}
