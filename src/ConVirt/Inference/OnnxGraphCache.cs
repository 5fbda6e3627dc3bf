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
/// a weights file (the <c>random</c> and <c>imagenet</c> baselines) and checkpoints whose folder cannot be written get
/// their graphs written to a temporary file on every load, deleted once ONNX Runtime has read it. Graphs are streamed
/// to their file (writing 45 MB of ResNet-18 through memory streams took 3-5 times as long).
/// </summary>
internal sealed class OnnxGraphCache
{
    /// <summary>Folder name of the cache beside the weights.</summary>
    public const string FolderName = "onnx-cache";

    /// <summary>A graph's file; <paramref name="Temporary"/>: delete it once a session has read it.</summary>
    internal sealed record Graph(string Path, bool Temporary);

    readonly string? folder;
    readonly Lazy<string>? key;

    OnnxGraphCache(string? folder, Lazy<string>? key) => (this.folder, this.key) = (folder, key);

    /// <summary>Graphs written to temporary files on every load.</summary>
    public static OnnxGraphCache Uncached { get; } = new(null, null);

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
        OnnxGraphBuilder? graph = null;
        if (folder is not null && key is not null)
        {
            string path = System.IO.Path.Combine(folder, $"{tower}-{key.Value}.onnx");
            if (File.Exists(path)) return new Graph(path, false);
            graph = build();
            try
            {
                Directory.CreateDirectory(folder);
                Write(graph, path);
                foreach (var stale in Directory.EnumerateFiles(folder, tower + "-*.onnx"))
                    if (!string.Equals(stale, path, StringComparison.Ordinal)) TryDelete(stale);
                return new Graph(path, false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a read-only checkpoint or a full disk: a temporary file for this process, below
            }
        }
        string temporary = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"convirt-{tower}-{Guid.NewGuid():N}.onnx");
        Write(graph ?? build(), temporary);
        return new Graph(temporary, true);
    }

    // streamed to a file beside the destination, then moved: whole or not at all (a concurrent writer wrote the same bytes)
    static void Write(OnnxGraphBuilder graph, string path)
    {
        string temp = path + string.Create(CultureInfo.InvariantCulture, $".tmp-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                graph.WriteModel(stream, new OnnxModelInfo(OnnxGraphBuilder.Opset, "convirt", typeof(OnnxGraphCache).Assembly.GetName().Version?.ToString() ?? "",
                    "inference graph of a ConVIRT encoder (convirt's ONNX Runtime backend)", []));
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);   // no partial file is left behind
            throw;
        }
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

    /// <summary>Deletes a file if it can; a file in use or already gone is left.</summary>
    internal static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
