using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ConVirt.Models.Text;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;

namespace ConVirt.Inference;

/// <summary>
/// The exported graphs <see cref="OnnxRuntimeTowers"/> runs. For a checkpoint they are written once into
/// <c>onnx-cache/</c> beside its <c>model.safetensors</c>, named by a key of the weights' SHA-256 and this library
/// build, so that changed weights (or a new library) build new graphs and the old ones are removed. Encoders without
/// a weights file (the <c>random</c> and <c>imagenet</c> baselines) and checkpoints in read-only folders get their
/// graphs built in memory on every load.
/// </summary>
internal sealed class OnnxGraphCache
{
    /// <summary>Folder name of the cache beside the weights.</summary>
    public const string FolderName = "onnx-cache";

    /// <summary>A graph as a file (cached) or as bytes (in memory).</summary>
    internal sealed record Graph(string? Path, byte[]? Bytes);

    readonly string? folder;
    readonly Lazy<string>? key;

    OnnxGraphCache(string? folder, Lazy<string>? key) => (this.folder, this.key) = (folder, key);

    /// <summary>Graphs built in memory on every load.</summary>
    public static OnnxGraphCache InMemory { get; } = new(null, null);

    /// <summary>Graphs cached beside <paramref name="weightsFile"/> (the key is computed on first use: it reads the whole file).</summary>
    public static OnnxGraphCache Beside(string weightsFile) =>
        new(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(weightsFile))!, FolderName), new(() => Key(weightsFile)));

    /// <summary>The image tower's graph (<see cref="ResNetOnnxGraph"/>): h_v and, with a projection, v.</summary>
    public Graph Image(ResNetEncoder encoder, Sequential? projection) => Get("image", () =>
    {
        var graph = new OnnxGraphBuilder("convirt_image_encoder");
        using (torch.no_grad()) ResNetOnnxGraph.Add(graph, encoder, projection);
        return graph;
    });

    /// <summary>The text tower's graph (<see cref="BertOnnxGraph"/>): h_u and u.</summary>
    public Graph Text(BertTextEncoder encoder, Sequential projection) => Get("text", () =>
    {
        var graph = new OnnxGraphBuilder("convirt_text_encoder");
        using (torch.no_grad()) BertOnnxGraph.Add(graph, encoder, projection);
        return graph;
    });

    Graph Get(string tower, Func<OnnxGraphBuilder> build)
    {
        if (folder is null || key is null) return new Graph(null, Serialise(build()));
        string path = System.IO.Path.Combine(folder, $"{tower}-{key.Value}.onnx");
        if (File.Exists(path)) return new Graph(path, null);
        var bytes = Serialise(build());
        string temp = path + string.Create(CultureInfo.InvariantCulture, $".tmp-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);   // whole or not at all; a concurrent writer wrote the same bytes
            foreach (var stale in Directory.EnumerateFiles(folder, tower + "-*.onnx"))
                if (!string.Equals(stale, path, StringComparison.Ordinal)) TryDelete(stale);
            return new Graph(path, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);   // a partial file (disk full) is not left behind
            return new Graph(null, bytes);   // a read-only checkpoint or a full disk: the graph lives in memory for this process
        }
    }

    static byte[] Serialise(OnnxGraphBuilder graph)
    {
        using var stream = new MemoryStream();
        graph.WriteModel(stream, new OnnxModelInfo(OnnxGraphBuilder.Opset, "convirt", typeof(OnnxGraphCache).Assembly.GetName().Version?.ToString() ?? "",
            "inference graph of a ConVIRT encoder (convirt's ONNX Runtime backend)", []));
        return stream.ToArray();
    }

    // SHA-256 of the weights, then of the library build that writes the graphs (a new build may write other graphs)
    static string Key(string weightsFile)
    {
        byte[] weights;
        using (var stream = new FileStream(weightsFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            weights = SHA256.HashData(stream);
        var build = Encoding.UTF8.GetBytes(typeof(OnnxGraphCache).Assembly.ManifestModule.ModuleVersionId.ToString("N"));
        return Convert.ToHexStringLower(SHA256.HashData([.. weights, .. build]))[..20];
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
