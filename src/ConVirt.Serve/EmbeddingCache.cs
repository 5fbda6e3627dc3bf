using ConVirt.Training;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConVirt.Data;
using ConVirt.Evaluation;
using ConVirt.Interop;
using static TorchSharp.torch;

namespace ConVirt.Serve;

/// <summary>
/// The archive's embeddings on disk, so that a restart does not embed again: one safetensors file
/// <c>embeddings-ENCODER-DATA.safetensors</c> whose name carries a hash of the encoder (its weights and configuration)
/// and a hash of the data (the manifest or dataset.json bytes, and every row's id, image file, length and
/// modification time, the view size and the feature kind). Written to a temporary name and renamed.
/// </summary>
internal static class EmbeddingCache
{
    /// <summary>SHA-256 (hex, 16 characters) of what identifies the encoder's weights.</summary>
    public static string EncoderHash(string encoder)
    {
        if (encoder is "random" or "imagenet") return Hash(Encoding.UTF8.GetBytes(encoder + ":0"));
        var folder = RunFolder.ResolveCheckpoint(encoder);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendFile(sha, Path.Combine(folder, RunFolder.Weights));
        if (RunFolder.ConfigOf(folder) is { } config) AppendFile(sha, config);
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>SHA-256 (hex, 16 characters) of the data as the service embeds it.</summary>
    public static string DataHash(string data, IReadOnlyList<ManifestRow> rows, int imageSize, string features)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var file = Directory.Exists(data) ? Path.Combine(data, "dataset.json") : data;
        if (File.Exists(file)) AppendFile(sha, file);
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{imageSize}\n{features}\n");
        foreach (var r in rows)
        {
            var info = new FileInfo(r.ImagePath);
            long length = info.Exists ? info.Length : -1, ticks = info.Exists ? info.LastWriteTimeUtc.Ticks : 0;
            text.Append(CultureInfo.InvariantCulture, $"{r.Id}\t{r.ImagePath}\t{r.Shard?.Offset}\t{length}\t{ticks}\n");
        }
        sha.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>The cache file for the two hashes in <paramref name="folder"/>.</summary>
    public static string PathOf(string folder, string encoderHash, string dataHash) => Path.Combine(folder, $"embeddings-{encoderHash}-{dataHash}.safetensors");

    /// <summary>Reads a cache file; null when it is absent, unreadable or does not fit <paramref name="rows"/>.</summary>
    public static ImageFeatureSet? TryRead(string path, IReadOnlyList<ManifestRow> rows)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var scope = NewDisposeScope();
            var tensors = SafeTensors.Read(path, out var metadata);
            var ids = JsonSerializer.Deserialize<string[]>(metadata["ids"])!;
            var unreadable = JsonSerializer.Deserialize<string[]>(metadata["unreadable"])!;
            var byId = new Dictionary<string, ManifestRow>(StringComparer.Ordinal);
            foreach (var r in rows) byId.TryAdd(r.Id, r);
            var features = tensors["features"];
            if (!ids.All(byId.ContainsKey) || features.dim() != 2 || features.shape[0] != ids.Length || ids.Length + unreadable.Length != rows.Count) return null;
            return new ImageFeatureSet(ImageFeatures.ToMatrix(features), ids.Select(id => byId[id]).ToList(), unreadable);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidDataException or FormatException or ArgumentException or WeightLoadException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="set"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Write(string path, ImageFeatureSet set)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var tmp = path + $".{Environment.ProcessId}.tmp";
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Write(tmp, [new("features", tensor(set.Features))], new Dictionary<string, string>
            {
                ["ids"] = JsonSerializer.Serialize(set.Rows.Select(r => r.Id).ToArray()),
                ["unreadable"] = JsonSerializer.Serialize(set.Unreadable.ToArray()),
            });
        }
        File.Move(tmp, path, overwrite: true);
    }

    static void AppendFile(IncrementalHash sha, string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
    }

    static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
}
