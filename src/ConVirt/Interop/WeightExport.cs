using System.Globalization;
using System.Text.Json;
using ConVirt.Models;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ConVirt.Interop;

/// <summary>
/// Saves encoders and projection heads under PyTorch's names, as .safetensors or as a <c>torch.save</c> zip
/// (.pt, .pth, .bin; written with TorchSharp.PyBridge) by file extension.
/// </summary>
internal static class WeightExport
{
    /// <summary>
    /// Saves the image encoder's state dict with torchvision names (no <c>fc.*</c>): a torchvision
    /// <c>resnet18()</c>/<c>resnet50()</c> (or, for the CNTK variant, <c>ResNet(BasicBlock, [2, 2, 2, 3])</c>) loads it
    /// with only <c>fc.weight</c>/<c>fc.bias</c> missing. A 1-channel conv1 is saved as [64, 1, 7, 7] (replace conv1 with
    /// <c>nn.Conv2d(1, 64, 7, 2, 3, bias=False)</c>), or with <paramref name="expandToRgb"/> as [64, 3, 7, 7] = weight / 3,
    /// which gives the same output for a gray image replicated to 3 channels.
    /// In .safetensors the <c>__metadata__</c> records the architecture, padding and input normalisation; if the
    /// encoder has a mean image or stem offset (packaged ImageNet weights) they are written next to it as
    /// <c>&lt;name&gt;.preprocess.safetensors</c> (<c>mean_image</c> [C, H, W], <c>stem_offset</c> [64, h, w]).
    /// </summary>
    public static void SaveImageEncoder(ResNetEncoder encoder, string path, bool expandToRgb = false)
    {
        using var scope = torch.NewDisposeScope();
        var state = encoder.state_dict().ToList();
        if (expandToRgb && encoder.Spec.InChannels == 1)
        {
            int i = state.FindIndex(kv => kv.Key == "conv1.weight");
            state[i] = new("conv1.weight", state[i].Value.detach().expand(-1, 3, -1, -1) / 3f);
        }
        var spec = encoder.Spec;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["convirt.block"] = spec.Block == ResNetBlockKind.Bottleneck ? "bottleneck" : "basic",
            ["convirt.layers"] = string.Join(",", spec.Layers),
            ["convirt.padding"] = spec.Padding == PaddingStyle.TopLeft ? "top-left" : "symmetric",
            ["convirt.in_channels"] = (expandToRgb ? 3 : spec.InChannels).ToString(CultureInfo.InvariantCulture),
            ["convirt.input_mean"] = SafeTensors.FormatFloats(encoder.InputMean),
            ["convirt.input_std"] = SafeTensors.FormatFloats(encoder.InputStd),
            ["convirt.input_range"] = "[0, 1]; normalised = (x - input_mean) / input_std - mean_image, per channel",
        };
        if (spec.Width != new ResNetSpec().Width) metadata["convirt.width"] = spec.Width.ToString(CultureInfo.InvariantCulture);   // only small encoders: torchvision-width files stay as they were
        var preprocess = new List<KeyValuePair<string, Tensor>>();
        if (encoder.GetInputMeanImage() is { } image && encoder.InputMeanImageSize is var (h, w))
            preprocess.Add(new("mean_image", torch.tensor(image, [spec.InChannels, h, w])));
        if (encoder.StemOffsetSize is var (sh, sw))
            preprocess.Add(new("stem_offset", torch.tensor(StemOffsetOf(encoder), [(long)spec.Width, sh, sw])));
        if (preprocess.Count > 0)
        {
            string sidecar = PreprocessPath(path);
            metadata["convirt.preprocess_file"] = Path.GetFileName(sidecar);
            SafeTensors.Write(sidecar, preprocess, new Dictionary<string, string> { ["format"] = "pt" });
        }
        Save(path, state, metadata);
    }

    /// <summary>Where <see cref="SaveImageEncoder"/> writes the mean image / stem offset of <paramref name="path"/>.</summary>
    public static string PreprocessPath(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + ".preprocess.safetensors");

    /// <summary>
    /// Saves a HuggingFace BERT folder: <c>config.json</c> (BertConfig fields), <c>vocab.txt</c>,
    /// <c>tokenizer_config.json</c> (do_lower_case) and <c>model.safetensors</c> with BertModel keys (no prefix),
    /// loadable by <c>transformers.BertModel.from_pretrained(folder)</c> and by <see cref="TorchWeights.LoadBert"/>.
    /// </summary>
    public static void SaveTextEncoder(BertTextEncoder encoder, string vocabText, string folder, bool lowerCase = true)
    {
        int tokens = PretrainedTextEncoder.CountTokens(vocabText);
        if (tokens != encoder.Spec.VocabSize)
            throw new ArgumentException($"vocabulary has {tokens} tokens but the encoder's word embedding has {encoder.Spec.VocabSize} rows", nameof(vocabText));
        Directory.CreateDirectory(folder);
        var spec = encoder.Spec;
        var config = new Dictionary<string, object>
        {
            ["architectures"] = new[] { "BertModel" },
            ["model_type"] = "bert",
            ["vocab_size"] = spec.VocabSize,
            ["hidden_size"] = spec.HiddenSize,
            ["num_hidden_layers"] = spec.NumLayers,
            ["num_attention_heads"] = spec.NumHeads,
            ["intermediate_size"] = spec.IntermediateSize,
            ["hidden_act"] = "gelu",
            ["hidden_dropout_prob"] = spec.HiddenDropout,
            ["attention_probs_dropout_prob"] = spec.AttentionDropout,
            ["max_position_embeddings"] = spec.MaxPositions,
            ["type_vocab_size"] = spec.TypeVocabSize,
            ["initializer_range"] = 0.02,
            ["layer_norm_eps"] = spec.LayerNormEps,
            ["pad_token_id"] = 0,
            ["position_embedding_type"] = "absolute",
        };
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config, options));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"),
            JsonSerializer.Serialize(new Dictionary<string, object> { ["do_lower_case"] = lowerCase, ["tokenizer_class"] = "BertTokenizer" }, options));
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), vocabText.EndsWith('\n') ? vocabText : vocabText + "\n");
        SafeTensors.Write(Path.Combine(folder, "model.safetensors"), encoder.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary><see cref="SaveTextEncoder(BertTextEncoder, string, string, bool)"/> with the vocabulary read from a stream.</summary>
    public static void SaveTextEncoder(BertTextEncoder encoder, Stream vocab, string folder, bool lowerCase = true)
    {
        using var reader = new StreamReader(vocab, leaveOpen: true);
        SaveTextEncoder(encoder, reader.ReadToEnd(), folder, lowerCase);
    }

    /// <summary>Saves a projection head g (<c>nn.Sequential(Linear, ReLU, Linear)</c>: keys 0.weight, 0.bias, 2.weight, 2.bias).</summary>
    public static void SaveProjection(nn.Module head, string path) =>
        Save(path, head.state_dict().ToList(), new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Saves a whole ConVIRT model into a folder: <c>image_encoder.safetensors</c> (+ preprocess file if any),
    /// <c>text_encoder/</c> (HuggingFace BERT folder), <c>image_projection.safetensors</c>, <c>text_projection.safetensors</c>.
    /// </summary>
    public static void SaveModel(ConVirtModel model, string vocabText, string folder, bool lowerCase = true)
    {
        Directory.CreateDirectory(folder);
        SaveImageEncoder(model.ImageEncoder, Path.Combine(folder, "image_encoder.safetensors"));
        SaveTextEncoder(model.TextEncoder, vocabText, Path.Combine(folder, "text_encoder"), lowerCase);
        SaveProjection(model.ImageProjection, Path.Combine(folder, "image_projection.safetensors"));
        SaveProjection(model.TextProjection, Path.Combine(folder, "text_projection.safetensors"));
    }

    private static void Save(string path, List<KeyValuePair<string, Tensor>> state, IReadOnlyDictionary<string, string> metadata)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".safetensors") { SafeTensors.Write(path, state, metadata); return; }
        if (extension is not (".pt" or ".pth" or ".bin"))
            throw new ArgumentException($"unknown weight file extension '{extension}': use .safetensors, .pt, .pth or .bin", nameof(path));
        using var scope = torch.NewDisposeScope();
        var table = new System.Collections.Specialized.OrderedDictionary(); // keeps the module's key order
        foreach (var (key, value) in state) table[key] = value.detach().cpu().contiguous();
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        PyTorchPickler.PickleStateDict(file, table, leaveOpen: true);
    }

    private static float[] StemOffsetOf(ResNetEncoder encoder) =>
        encoder.GetStemOffset() ?? throw new InvalidOperationException("encoder has no stem offset");
}
