using ConVirt.Configuration;
using ConVirt.Data.Text;
using ConVirt.Models;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;

namespace ConVirt.Interop;

/// <summary>
/// The one place models are built: from configuration and initial weights (<c>--image-weights imagenet|none|FILE</c>,
/// <c>--text-weights minilm|arctic-xs|none|FOLDER</c>). Pretraining methods, checkpoint loading (through the methods),
/// tests and benchmarks all build through it.
/// </summary>
internal static class ModelFactory
{
    /// <summary>
    /// The ResNet shape a configuration resolves to (<see cref="ImageEncoderOptions.ResolvedArchitecture"/>); a configured
    /// width or stage list (small test encoders) replaces the architecture's.
    /// </summary>
    public static ResNetSpec ResolveImageSpec(ImageEncoderOptions o)
    {
        var spec = ResNetSpec.FromName(o.ResolvedArchitecture);
        return spec with { InChannels = o.InChannels, Width = o.Width ?? spec.Width, Layers = o.Layers is { } layers ? [.. layers] : spec.Layers };
    }

    /// <summary>A randomly initialised model of the configured shape, text layers frozen as configured (benchmarks).</summary>
    public static ConVirtModel CreateRandom(ModelOptions o)
    {
        var model = new ConVirtModel(ResolveImageSpec(o.Image), o.Text.Bert, o.ProjectionHidden, o.ProjectionDim);
        model.TextEncoder.Freeze(o.Text.FreezeEmbeddings, o.Text.FrozenLayers);
        model.ImageEncoder.ChannelsLast = o.Image.ChannelsLast;
        return model;
    }

    /// <summary>The image encoder with its initial weights.</summary>
    public static (ResNetEncoder Encoder, string Note) BuildImageEncoder(ImageEncoderOptions o)
    {
        var (encoder, note) = BuildImageEncoderWeights(o);
        encoder.ChannelsLast = o.ChannelsLast;
        return (encoder, note);
    }

    private static (ResNetEncoder Encoder, string Note) BuildImageEncoderWeights(ImageEncoderOptions o)
    {
        var spec = ResolveImageSpec(o);
        var w = o.Weights;
        if (w.Equals("none", StringComparison.OrdinalIgnoreCase) || w.Equals("random", StringComparison.OrdinalIgnoreCase))
            return (new ResNetEncoder(spec), $"image encoder: {o.Architecture}, random initialisation");
        if (w.Equals("imagenet", StringComparison.OrdinalIgnoreCase))
        {
            if (spec.Padding != PaddingStyle.TopLeft)
                throw new ArgumentException($"ImageNet weights for {o.Architecture} are not packaged (only ResNet-18 is): pass a torchvision state dict file, e.g. --image-weights resnet50-0676ba61.pth");
            return (PackagedWeights.LoadImageNetResNet18(o.InChannels),
                $"image encoder: packaged ImageNet ResNet-18 (CNTK export, stages 2-2-2-3) from {PackagedWeights.ResNet18Path}");
        }
        if (!File.Exists(w)) throw new FileNotFoundException($"image weights '{w}': no such file (expected imagenet, none or a .pth/.safetensors file)", w);
        var encoder = new ResNetEncoder(spec);
        TorchWeights.LoadResNet(w, encoder);
        return (encoder, $"image encoder: {o.Architecture} from {w}");
    }

    /// <summary>The text encoder with its initial weights and its tokenizer.</summary>
    public static (BertTextEncoder Encoder, WordPieceTokenizer Tokenizer, string Note) BuildTextEncoder(TextEncoderOptions o)
    {
        var w = o.Weights;
        if (w.Equals("none", StringComparison.OrdinalIgnoreCase) || w.Equals("random", StringComparison.OrdinalIgnoreCase))
        {
            var tokenizer = OpenVocabulary(o.Vocab, o.LowerCase);
            var spec = o.Bert with { VocabSize = tokenizer.VocabSize };
            return (new BertTextEncoder(spec), tokenizer, $"text encoder: {spec.NumLayers} layers x {spec.HiddenSize}, random initialisation, vocabulary '{o.Vocab}' ({tokenizer.VocabSize} tokens)");
        }
        PretrainedTextEncoder pretrained;
        if (PackagedWeights.TextEncoderNames.Contains(w.ToLowerInvariant())) pretrained = PackagedWeights.LoadText(w.ToLowerInvariant());
        else if (Directory.Exists(w)) pretrained = TorchWeights.LoadBert(w);
        else throw new DirectoryNotFoundException($"text weights '{w}': expected minilm, arctic-xs, none or a HuggingFace BERT folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin)");
        using var vocab = pretrained.OpenVocab();
        var tok = WordPieceTokenizer.FromVocab(vocab, pretrained.LowerCase);
        var s = pretrained.Encoder.Spec;
        return (pretrained.Encoder, tok, $"text encoder: {w} ({s.NumLayers} layers x {s.HiddenSize}, {tok.VocabSize} tokens)");
    }

    /// <summary>A tokenizer from a packaged vocabulary name (minilm, arctic-xs) or a vocab.txt path.</summary>
    public static WordPieceTokenizer OpenVocabulary(string vocab, bool lowerCase)
    {
        if (File.Exists(vocab)) return WordPieceTokenizer.FromVocab(vocab, lowerCase);
        if (Directory.Exists(vocab) && File.Exists(Path.Combine(vocab, "vocab.txt"))) return WordPieceTokenizer.FromVocab(Path.Combine(vocab, "vocab.txt"), lowerCase);
        using var stream = PackagedTextModels.OpenVocab(vocab);
        return WordPieceTokenizer.FromVocab(stream, lowerCase);
    }

    /// <summary>The whole ConVIRT model as configured, text layers frozen as configured.</summary>
    public static BuiltModel Build(ModelOptions o, string? vocabularyOverride = null)
    {
        var (image, imageNote) = BuildImageEncoder(o.Image);
        var (text, tokenizer, textNote) = BuildTextEncoder(vocabularyOverride is null ? o.Text : o.Text with { Vocab = vocabularyOverride });
        var model = new ConVirtModel(image, text, o.ProjectionHidden, o.ProjectionDim);
        text.Freeze(o.Text.FreezeEmbeddings, o.Text.FrozenLayers);
        return new BuiltModel(model, tokenizer, [imageNote, textNote]);
    }
}
