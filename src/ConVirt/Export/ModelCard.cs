using ConVirt.Inference;
using ConVirt.Training;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConVirt.Data.Text;
using ConVirt.Evaluation;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;

namespace ConVirt.Export;

/// <summary>
/// <c>model-card.json</c> of an ONNX export: what each graph takes and gives (names, shapes, value range,
/// the normalisation inside the graph), the tokenizer, the projection width, the training configuration and
/// what the run folder records of its data, and the SHA-256 of every other file in the folder.
/// </summary>
internal static class ModelCard
{
    /// <summary>File name of the card.</summary>
    public const string FileName = "model-card.json";

    /// <summary>The card's <c>format</c> value.</summary>
    public const string Format = "convirt-onnx-export/1";

    internal static JsonObject Image(LoadedEncoder encoder, bool expandToRgb, int imageSize, bool projected)
    {
        var image = encoder.Image;
        var spec = image.Spec;
        int channels = expandToRgb ? 3 : spec.InChannels;
        var outputs = new JsonArray(Output(ResNetOnnxGraph.FeaturesOutput, spec.FeatureDim, "h_v = f_v(x): the global average of the last stage's feature map"));
        if (projected && encoder.Model is { } model)
            outputs.Add(Output(ResNetOnnxGraph.ProjectionOutput, ResNetOnnxGraph.ProjectionWidth(model.ImageProjection), "v = g_v(h_v): the projected vector of the contrastive loss; compare with u by cosine"));
        var normalisation = new JsonObject
        {
            ["inGraph"] = true,
            ["formula"] = "x' = (x - mean) / std per channel"
                + (image.InputMeanImageSize is null ? "" : ", then minus mean_image (bilinearly resized to H x W when not at its stored size)")
                + (image.StemOffsetSize is null ? "" : "; stem_offset subtracted from conv1's output (resized likewise)"),
            ["mean"] = Numbers(Repeat(image.InputMean, channels / spec.InChannels)),
            ["std"] = Numbers(Repeat(image.InputStd, channels / spec.InChannels)),
            ["meanImage"] = image.InputMeanImageSize is var (mh, mw) ? new JsonArray(mh, mw) : null,
            ["stemOffset"] = image.StemOffsetSize is var (sh, sw) ? new JsonArray(spec.Width, sh, sw) : null,
        };
        return new JsonObject
        {
            ["file"] = OnnxExport.ImageFileName,
            ["architecture"] = ArchitectureName(spec),
            ["block"] = spec.Block == ResNetBlockKind.Bottleneck ? "bottleneck" : "basic",
            ["layers"] = new JsonArray(spec.Layers.Select(l => (JsonNode)l).ToArray()),
            ["padding"] = spec.Padding == PaddingStyle.TopLeft ? "top-left" : "symmetric",
            ["input"] = new JsonObject
            {
                ["name"] = ResNetOnnxGraph.Input,
                ["dtype"] = "float32",
                ["shape"] = new JsonArray("batch", channels, "height", "width"),
                ["range"] = new JsonArray(0, 1),
                ["channels"] = channels == 1 ? "gray" : spec.InChannels == 1 ? "RGB (a gray image replicated to 3 channels gives the gray encoder's output)" : "RGB",
                ["size"] = new JsonArray(imageSize, imageSize),
                ["sizeNote"] = "the size the encoder was trained and evaluated at; height and width are dynamic"
                    + (spec.Padding == PaddingStyle.TopLeft ? " (multiples of 32 for this variant)" : ""),
                ["preprocessing"] = "decode to gray (luminance) in [0, 1]: value / 255 for 8-bit, / 65535 for 16-bit; resize the short side to size (bilinear, box-averaged when shrinking) and crop the centre size x size",
            },
            ["normalisation"] = normalisation,
            ["outputs"] = outputs,
            ["featureDim"] = spec.FeatureDim,
        };
    }

    internal static JsonObject Text(LoadedEncoder encoder, WordPieceTokenizer tokenizer, int maxLength)
    {
        var model = encoder.Model!;
        var spec = model.TextEncoder.Spec;
        return new JsonObject
        {
            ["file"] = OnnxExport.TextFileName,
            ["architecture"] = "bert",
            ["layers"] = spec.NumLayers,
            ["hiddenSize"] = spec.HiddenSize,
            ["heads"] = spec.NumHeads,
            ["intermediateSize"] = spec.IntermediateSize,
            ["maxPositions"] = spec.MaxPositions,
            ["vocabSize"] = spec.VocabSize,
            ["layerNormEps"] = spec.LayerNormEps,
            ["inputs"] = new JsonArray(
                new JsonObject { ["name"] = BertOnnxGraph.IdsInput, ["dtype"] = "int64", ["shape"] = new JsonArray("batch", "sequence") },
                new JsonObject { ["name"] = BertOnnxGraph.MaskInput, ["dtype"] = "int64", ["shape"] = new JsonArray("batch", "sequence"), ["values"] = "1 for a token, 0 for padding" }),
            ["outputs"] = new JsonArray(
                Output(BertOnnxGraph.FeaturesOutput, spec.HiddenSize, "h_u = f_u(text): the element-wise maximum of the last layer's token vectors over real tokens"),
                Output(BertOnnxGraph.ProjectionOutput, ResNetOnnxGraph.ProjectionWidth(model.TextProjection), "u = g_u(h_u): the projected vector of the contrastive loss; compare with v by cosine")),
            ["tokenizer"] = new JsonObject
            {
                ["kind"] = "bert-wordpiece",
                ["vocab"] = OnnxExport.VocabFileName,
                ["lowerCase"] = tokenizer.LowerCase,
                ["stripAccents"] = tokenizer.LowerCase,
                ["basicTokenization"] = true,
                ["splitOnSpecialTokens"] = false,
                ["maxLength"] = maxLength,
                ["maxLengthNote"] = "ids per sentence including [CLS] and [SEP]; longer sentences lose their last pieces, [SEP] stays last",
                ["clsId"] = tokenizer.ClsId,
                ["sepId"] = tokenizer.SepId,
                ["padId"] = tokenizer.PadId,
                ["unkId"] = tokenizer.UnkId,
                ["placeholder"] = $"a de-identification placeholder (___) is one token, id {tokenizer.PlaceholderId}",
                ["unit"] = "one sentence of a report per row (training sampled one sentence per pair)",
            },
        };
    }

    internal static JsonObject Create(LoadedEncoder encoder, JsonObject? image, JsonObject? text, string? textAbsent, JsonObject? data, IReadOnlyList<ExportedFile> files)
    {
        bool baseline = encoder.Name is "random" or "imagenet";
        var card = new JsonObject
        {
            ["format"] = Format,
            ["producer"] = "convirt " + typeof(ModelCard).Assembly.GetName().Version,
            ["encoder"] = EncoderInfo.Of(encoder).Label,   // the run folder's name (RUN/best, RUN/step-N), never an absolute path
            ["method"] = baseline ? encoder.Name : encoder.Config.Method,
            ["onnx"] = new JsonObject { ["opset"] = OnnxExport.Opset, ["irVersion"] = OnnxModelInfo.IrVersion, ["batch"] = "dynamic (dimension 'batch')", ["weights"] = "initialisers inside each file" },
            ["image"] = image,
            ["text"] = text,
            ["textAbsent"] = textAbsent,
            ["projectionDim"] = encoder.Model is null ? null : encoder.Config.Model.ProjectionDim,
            ["similarity"] = encoder.Model is null ? null : "cosine of v and u (L2-normalise both, then dot product), as retrieval and zero-shot use",
            ["training"] = baseline ? null : JsonNode.Parse(encoder.Config.ToJson()),
            ["data"] = data,
            ["files"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["bytes"] = f.Bytes, ["sha256"] = f.Sha256 }).ToArray()),
            ["filesNote"] = "SHA-256 of every other file in this folder (the card cannot hold its own)",
        };
        return card;
    }

    internal static string Serialise(JsonObject card) => card.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    private static JsonObject Output(string name, long width, string what) =>
        new() { ["name"] = name, ["dtype"] = "float32", ["shape"] = new JsonArray("batch", width), ["what"] = what };

    private static string ArchitectureName(ResNetSpec spec) =>
        spec.Width != new ResNetSpec().Width ? $"resnet ({(spec.Block == ResNetBlockKind.Bottleneck ? "bottleneck" : "basic")} {string.Join("-", spec.Layers)}, width {spec.Width})"
        : spec.Padding == PaddingStyle.TopLeft ? "resnet18-cntk (the packaged ImageNet ResNet-18 variant)"
        : spec.Block == ResNetBlockKind.Bottleneck && spec.Layers.SequenceEqual([3, 4, 6, 3]) ? "resnet50"
        : spec.Block == ResNetBlockKind.Basic && spec.Layers.SequenceEqual([2, 2, 2, 2]) ? "resnet18"
        : $"resnet ({(spec.Block == ResNetBlockKind.Bottleneck ? "bottleneck" : "basic")} {string.Join("-", spec.Layers)})";

    private static JsonArray Numbers(IEnumerable<float> values) => new(values.Select(v => (JsonNode)double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray());

    private static IEnumerable<float> Repeat(IReadOnlyList<float> values, int times) => Enumerable.Range(0, times).SelectMany(_ => values);
}
