using ConVirt.Training;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// Extracts image features of manifest rows with a frozen encoder (<see cref="EmbeddingExtractor.Images"/>),
/// optionally caching them on disk keyed by encoder, rows, image size and feature kind.
/// </summary>
internal static class ImageFeatures
{
    /// <summary>
    /// Features of <paramref name="rows"/>: h_v, or v = g_v(h_v) when <paramref name="projected"/> (needs a ConVIRT encoder).
    /// </summary>
    /// <param name="encoder">The frozen encoder.</param>
    /// <param name="rows">Rows to embed.</param>
    /// <param name="imageSize">Side of the evaluation view (resize short side, centre crop).</param>
    /// <param name="projected">Project with the image projection head g_v.</param>
    /// <param name="device">Where the encoder runs.</param>
    /// <param name="manifestName">Name used in messages about unreadable rows.</param>
    /// <param name="cacheFolder">Folder for cached features (created when missing); null: no cache.</param>
    /// <param name="encoderIdentity">What identifies the encoder's weights in the cache key (see <see cref="EncoderIdentity"/>).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="progress">Receives one line per stage.</param>
    /// <param name="imagesDone">Receives the number of images embedded so far after each batch (not called for cached features).</param>
    public static ImageFeatureSet Extract(LoadedEncoder encoder, IReadOnlyList<ManifestRow> rows, int imageSize, bool projected, Device device,
        string manifestName = "manifest", string? cacheFolder = null, string? encoderIdentity = null, int batchSize = 64, IProgress<string>? progress = null,
        IProgress<int>? imagesDone = null)
    {
        if (projected && encoder.Model is null)
            throw new ArgumentException($"encoder '{encoder.Name}' has no projection head: projected features need a ConVIRT run (use h_v, without --projected)");
        string? cachePath = null;
        if (cacheFolder is not null)
        {
            var identity = encoderIdentity ?? encoder.Name;
            if (Precision.Autocast.Policy.Mode != Precision.PrecisionMode.Fp32) identity += $":{Precision.Autocast.Policy.Mode}";   // bf16 features cached apart; fp32 keys unchanged
            var key = CacheKey(identity, rows, imageSize, projected);
            cachePath = Path.Combine(cacheFolder, $"features-{key}.safetensors");
            if (TryReadCache(cachePath, rows) is { } cached)
            {
                progress?.Report($"{manifestName}: {cached.Rows.Count} cached features ({Path.GetFileName(cachePath)})");
                return cached;
            }
        }
        progress?.Report($"{manifestName}: extracting {(projected ? "v" : "h_v")} of {rows.Count} images at {imageSize} px");
        if (rows.Count < 2) throw new ArgumentException($"{manifestName}: {rows.Count} row(s) to embed; at least 2 are needed");
        var options = new PairedSourceOptions { WithText = false, Augmentation = null, Shuffle = false, ImageSize = imageSize, BatchSize = batchSize, MinBatch = 1 };
        var source = PairedBatchSource.Create(rows, null, options, manifestName);
        int n = source.Examples.Count;
        if (n < 2) throw new ArgumentException($"{manifestName}: only {n} of {rows.Count} images could be read ({string.Join("; ", source.Skipped.Take(3))})");

        using var scope = NewDisposeScope();
        var features = EmbeddingExtractor.Images(encoder.Towers, projected, source, device, imagesDone);
        if (features.shape[0] != n) throw new InvalidOperationException($"extracted {features.shape[0]} features for {n} images");
        var set = new ImageFeatureSet(ToMatrix(features), source.Examples.Select(e => e.Row).ToList(), source.Skipped);
        if (cachePath is not null)
        {
            Directory.CreateDirectory(cacheFolder!);
            var ids = JsonSerializer.Serialize(set.Rows.Select(r => r.Id).ToArray());
            var unreadable = JsonSerializer.Serialize(set.Unreadable.ToArray());
            SafeTensors.Write(cachePath + ".tmp", [new("features", features)], new Dictionary<string, string> { ["ids"] = ids, ["unreadable"] = unreadable });
            File.Move(cachePath + ".tmp", cachePath, overwrite: true);
        }
        return set;
    }

    /// <summary>
    /// A string that changes when the encoder's weights change: the baseline name (and seed for <c>random</c>), or
    /// the checkpoint file's full path, length and modification time.
    /// </summary>
    public static string EncoderIdentity(string encoder, int seed)
    {
        if (encoder == "random") return $"random:{seed}";
        if (encoder == "imagenet") return "imagenet";
        var file = new FileInfo(Path.Combine(EncoderLoader.ResolveCheckpoint(encoder), "model.safetensors"));
        return $"{file.FullName}:{file.Length}:{file.LastWriteTimeUtc.Ticks}";
    }

    /// <summary>[n, d] float32 copy of a CPU or device tensor.</summary>
    public static float[,] ToMatrix(Tensor t) => TensorMatrix.Float(t);

    static string CacheKey(string encoderIdentity, IReadOnlyList<ManifestRow> rows, int imageSize, bool projected)
    {
        var text = new StringBuilder().Append(encoderIdentity).Append('\n').Append(imageSize).Append('\n').Append(projected).Append('\n');
        foreach (var r in rows) text.Append(r.Id).Append('\t').Append(r.ImagePath).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    static ImageFeatureSet? TryReadCache(string path, IReadOnlyList<ManifestRow> rows)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var scope = NewDisposeScope();
            var tensors = SafeTensors.Read(path, out var metadata);
            var ids = JsonSerializer.Deserialize<string[]>(metadata["ids"])!;
            var unreadable = JsonSerializer.Deserialize<string[]>(metadata["unreadable"])!;
            var byId = rows.ToDictionary(r => r.Id, StringComparer.Ordinal);
            if (!ids.All(byId.ContainsKey)) return null;
            var matrix = ToMatrix(tensors["features"]);
            foreach (var t in tensors.Values) t.Dispose();
            return new ImageFeatureSet(matrix, ids.Select(id => byId[id]).ToList(), unreadable);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidDataException or FormatException)
        {
            return null;
        }
    }
}
