using ConVirt.Data.Prepared;
using ConVirt.Training;
using ConVirt.Data;
using ConVirt.Evaluation;
using TorchSharp;

namespace ConVirt.Serve;

/// <summary>Builds the service's <see cref="ArchiveIndex"/>: loads the encoder and the rows, embeds every image once, or reads the cache.</summary>
internal static class ArchiveLoader
{
    /// <summary>Loads (or embeds) the archive of <paramref name="options"/>.</summary>
    /// <param name="options">Encoder, data and view size.</param>
    /// <param name="progress">One line per stage.</param>
    /// <param name="imagesDone">(images embedded so far, images in all) after each batch; not called when the cache answers.</param>
    public static ArchiveIndex Load(ServeOptions options, IProgress<string>? progress = null, IProgress<(int Done, int Total)>? imagesDone = null)
    {
        options.Validate();
        var loaded = DataSets.Load(options.Data);
        var rows = loaded.Rows;
        progress?.Report($"{options.Data}: {rows.Count} rows ({loaded.Summary()})");
        if (rows.Count < 2) throw new ArgumentException($"{options.Data}: {rows.Count} row(s); the service needs at least 2");
        var encoder = EncoderLoader.Load(options.Encoder, 0, options.Device, Precision.PrecisionMode.Fp32, options.Backend);
        var device = torch.device(options.Device);
        bool projected = encoder.Model is not null;
        string features = projected ? "v" : "h_v";
        int imageSize = options.ImageSize ?? encoder.Config.Data.ImageSize;
        var folder = options.CacheFolder ?? DefaultCacheFolder(options);
        var cachePath = EmbeddingCache.PathOf(folder, EmbeddingCache.EncoderHash(options.Encoder), EmbeddingCache.DataHash(options.Data, rows, imageSize, features));
        var set = EmbeddingCache.TryRead(cachePath, rows);
        bool fromCache = set is not null;
        if (set is null)
        {
            var counter = imagesDone is null ? null : new SyncProgress<int>(n => imagesDone.Report((n, rows.Count)));
            set = ImageFeatures.Extract(encoder, rows, imageSize, projected, device, Path.GetFileName(options.Data), progress: progress, imagesDone: counter);
            EmbeddingCache.Write(cachePath, set);
            progress?.Report($"embedded {set.Rows.Count} images ({set.Unreadable.Count} unreadable, skipped); cache {cachePath}");
        }
        else progress?.Report($"{set.Rows.Count} embeddings from the cache {cachePath}");
        return new ArchiveIndex(encoder, set, features, imageSize, options) { CachePath = cachePath, FromCache = fromCache };
    }

    /// <summary><c>serve-cache/</c> in the encoder's folder, or <c>.convirt-serve-cache/</c> beside the data for a named baseline.</summary>
    public static string DefaultCacheFolder(ServeOptions options)
    {
        if (Directory.Exists(options.Encoder)) return Path.Combine(options.Encoder, "serve-cache");
        if (File.Exists(options.Encoder)) return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Encoder))!, "serve-cache");
        var data = Path.GetFullPath(options.Data);
        return Path.Combine(Directory.Exists(data) ? data : Path.GetDirectoryName(data)!, ".convirt-serve-cache");
    }

    /// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>, which posts).</summary>
    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
