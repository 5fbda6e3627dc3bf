using ConVirt.Inference;
using ConVirt.Training;
using System.Globalization;
using System.Security.Cryptography;
using ConVirt.Evaluation;
using TorchSharp;

namespace ConVirt.Export;

/// <summary>
/// <c>convirt export --format onnx</c>: writes an encoder as a deployment folder that ONNX Runtime (or any ONNX
/// runner) uses without this library: <c>image_encoder.onnx</c> (image [batch, C, H, W] in [0, 1] -> h_v, v),
/// <c>text_encoder.onnx</c> (input_ids, attention_mask -> h_u, u), <c>vocab.txt</c> and <c>model-card.json</c>.
/// Opset <see cref="Opset"/>, weights as initialisers, dynamic batch. Encoders without a text tower (the
/// <c>imagenet</c> and <c>random</c> baselines, SimCLR and MoCo v2 runs) give the image part only (h_v), said in the
/// result and the card. The folder is written under a temporary name beside the destination and renamed into place;
/// an earlier export there (a folder holding model-card.json) is replaced, anything else is refused.
/// </summary>
internal static class OnnxExport
{
    /// <summary>ai.onnx operator set of both graphs (LayerNormalization needs 17).</summary>
    public const long Opset = OnnxGraphBuilder.Opset;
    /// <summary>Image graph file name.</summary>
    public const string ImageFileName = "image_encoder.onnx";
    /// <summary>Text graph file name.</summary>
    public const string TextFileName = "text_encoder.onnx";
    /// <summary>Vocabulary file name.</summary>
    public const string VocabFileName = "vocab.txt";

    /// <summary>Writes the export of <paramref name="encoder"/> into <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidOperationException">The text tower was required and the encoder has none, or nothing was asked for.</exception>
    /// <exception cref="IOException">The destination exists and is not an earlier export.</exception>
    public static OnnxExportResult Write(LoadedEncoder encoder, string folder, OnnxExportOptions options, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!options.Image && !options.Text) throw new InvalidOperationException("nothing to export: neither the image nor the text tower was asked for");
        bool hasText = encoder.Model is not null && encoder.Tokenizer is not null;
        string? textAbsent = hasText ? null : NoTextTower(encoder);
        if (options.Text && !hasText && (options.RequireText || !options.Image))
            throw new InvalidOperationException($"encoder '{encoder.Name}' has no text tower ({textAbsent}): export the image part with --part image");
        string destination = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        CheckDestination(destination);

        string parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(destination)}.tmp-{Environment.ProcessId}"));
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        try
        {
            var notes = new List<string>();
            var written = WriteFiles(encoder, temp, options, hasText && options.Text, textAbsent, notes, progress);
            MoveIntoPlace(temp, destination);
            return new OnnxExportResult(destination, written, notes);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    private static List<ExportedFile> WriteFiles(LoadedEncoder encoder, string temp, OnnxExportOptions options, bool text, string? textAbsent,
        List<string> notes, IProgress<string>? progress)
    {
        var files = new List<ExportedFile>();
        int imageSize = encoder.Config.Data.ImageSize;
        System.Text.Json.Nodes.JsonObject? imageCard = null, textCard = null;
        using (torch.no_grad())
        {
            if (options.Image)
            {
                progress?.Report($"writing {ImageFileName}");
                var graph = new OnnxGraphBuilder("convirt_image_encoder");
                ResNetOnnxGraph.Add(graph, encoder.Image, encoder.Model?.ImageProjection, options.ExpandToRgb);
                files.Add(WriteGraph(graph, Path.Combine(temp, ImageFileName), encoder, "image [batch, C, height, width] in [0, 1] -> h_v" + (encoder.Model is null ? "" : ", v")));
                imageCard = ModelCard.Image(encoder, options.ExpandToRgb, imageSize, encoder.Model is not null);
                notes.Add($"{ImageFileName}: image [batch, {(options.ExpandToRgb ? 3 : encoder.Image.Spec.InChannels)}, H, W] in [0, 1] -> h_v [batch, {encoder.Image.FeatureDim}]"
                    + (encoder.Model is null ? "" : $", v [batch, {encoder.Config.Model.ProjectionDim}]") + $"; normalisation inside the graph; trained at {imageSize} px");
            }
            if (text)
            {
                progress?.Report($"writing {TextFileName}");
                var model = encoder.Model!;
                var graph = new OnnxGraphBuilder("convirt_text_encoder");
                BertOnnxGraph.Add(graph, model.TextEncoder, model.TextProjection);
                files.Add(WriteGraph(graph, Path.Combine(temp, TextFileName), encoder, "input_ids, attention_mask [batch, sequence] (int64) -> h_u (masked max-pool), u"));
                files.Add(WriteVocabulary(encoder, model.TextEncoder.Spec.VocabSize, Path.Combine(temp, VocabFileName)));
                textCard = ModelCard.Text(encoder, encoder.Tokenizer!, encoder.Config.Model.Text.MaxLength);
                notes.Add($"{TextFileName}: input_ids, attention_mask [batch, sequence] -> h_u [batch, {model.TextEncoder.FeatureDim}], u [batch, {encoder.Config.Model.ProjectionDim}]; {VocabFileName} copied");
            }
            else if (textAbsent is not null)
                notes.Add($"no text tower ({textAbsent}): exported the image part only, h_v without a projection");
        }
        // a run folder or checkpoint records its progress; baselines and encoders built in memory have none
        var data = encoder.Name is "random" or "imagenet" || !(Directory.Exists(encoder.Name) || File.Exists(encoder.Name)) ? null
            : RunSummary.Read(EncoderLoader.ResolveCheckpoint(encoder.Name), encoder.Config.Optimizer.BatchSize);
        var card = ModelCard.Create(encoder, imageCard, textCard, options.Text ? textAbsent : null, data, files);
        var cardPath = Path.Combine(temp, ModelCard.FileName);
        File.WriteAllText(cardPath, ModelCard.Serialise(card));
        files.Add(Describe(cardPath));
        notes.Add($"{ModelCard.FileName}: inputs, normalisation, tokenizer, training configuration, data summary, SHA-256 of every file");
        return files;
    }

    private static ExportedFile WriteGraph(OnnxGraphBuilder graph, string path, LoadedEncoder encoder, string doc)
    {
        var info = new OnnxModelInfo(Opset, "convirt", typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "", doc,
            [new("convirt.encoder", encoder.Config.Model.Image.Architecture), new("convirt.method", encoder.Config.Method), new("convirt.model_card", ModelCard.FileName)]);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            graph.WriteModel(stream, info);
        return Describe(path);
    }

    private static ExportedFile WriteVocabulary(LoadedEncoder encoder, int vocabSize, string path)
    {
        string vocab;
        using (var stream = EncoderLoader.OpenVocabulary(encoder.Config.Model.Text))
        using (var reader = new StreamReader(stream))
            vocab = reader.ReadToEnd();
        int tokens = Interop.PretrainedTextEncoder.CountTokens(vocab);
        if (tokens != vocabSize)
            throw new InvalidDataException($"vocabulary '{EncoderLoader.TextVocabulary(encoder.Config.Model.Text)}' has {tokens} tokens but the text encoder's word embedding has {vocabSize} rows");
        File.WriteAllText(path, vocab.EndsWith('\n') ? vocab : vocab + "\n");
        return Describe(path);
    }

    /// <summary>Size and SHA-256 of a written file.</summary>
    public static ExportedFile Describe(string path)
    {
        using var stream = File.OpenRead(path);
        var hash = SHA256.HashData(stream);
        return new ExportedFile(Path.GetFileName(path), stream.Length, Convert.ToHexStringLower(hash));
    }

    private static string NoTextTower(LoadedEncoder encoder) => encoder.Name switch
    {
        "imagenet" => "the imagenet baseline is an image encoder only",
        "random" => "the random baseline is an image encoder only",
        _ => $"a {encoder.Config.Method} run trains an image encoder only",
    };

    private static void CheckDestination(string destination)
    {
        if (File.Exists(destination)) throw new IOException($"--out {destination} is a file; an ONNX export is a folder");
        if (!Directory.Exists(destination) || !Directory.EnumerateFileSystemEntries(destination).Any()) return;
        if (!File.Exists(Path.Combine(destination, ModelCard.FileName)))
            throw new IOException($"--out {destination} exists and is not an earlier ONNX export (no {ModelCard.FileName}); choose a new folder");
    }

    // rename the new folder in; an earlier export is renamed aside first and deleted after
    private static void MoveIntoPlace(string temp, string destination)
    {
        string? old = null;
        if (Directory.Exists(destination))
        {
            old = destination + string.Create(CultureInfo.InvariantCulture, $".old-{Environment.ProcessId}");
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
            Directory.Move(destination, old);
        }
        try { Directory.Move(temp, destination); }
        catch
        {
            if (old is not null) Directory.Move(old, destination);
            throw;
        }
        if (old is not null) Directory.Delete(old, recursive: true);
    }
}
