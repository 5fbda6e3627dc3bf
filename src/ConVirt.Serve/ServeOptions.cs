using System.Net;

namespace ConVirt.Serve;

/// <summary>What <c>convirt serve</c> serves and the limits it keeps.</summary>
internal sealed record ServeOptions
{
    /// <summary>The <c>--encoder</c> value: a run folder, checkpoint, or <c>random</c> / <c>imagenet</c>.</summary>
    public required string Encoder { get; init; }

    /// <summary>The archive: a manifest or a prepared dataset folder.</summary>
    public required string Data { get; init; }

    /// <summary>Address to listen on; anything but a loopback address needs <see cref="ApiKey"/>.</summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>TCP port (0: a free one, reported after start).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>The key every <c>/api</c> request must carry (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>); null: none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Side of the model's view of an image; null: the encoder's training image size.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Folder of the embedding cache; null: <c>serve-cache/</c> in the encoder's folder, or <c>.convirt-serve-cache/</c> beside the data for a named baseline.</summary>
    public string? CacheFolder { get; init; }

    /// <summary>Largest <c>k</c> a search may ask for.</summary>
    public int MaxK { get; init; } = 100;

    /// <summary>Largest upload (bytes) of <c>POST /api/search/image</c>.</summary>
    public long MaxUploadBytes { get; init; } = 32L << 20;

    /// <summary>Uploaded images whose header reports more pixels than this are refused before decoding.</summary>
    public long MaxImagePixels { get; init; } = 40_000_000;

    /// <summary>Longest query text (characters).</summary>
    public int MaxTextLength { get; init; } = 1000;

    /// <summary>Longest side of a thumbnail (pixels).</summary>
    public int ThumbnailSide { get; init; } = 256;

    /// <summary>
    /// How long the first text query of a batch waits for concurrent ones before they are embedded in one forward pass
    /// and searched in one scan (queries arriving while a batch is processed join the next batch without waiting);
    /// null: every query is embedded and searched on its own.
    /// </summary>
    public TimeSpan? BatchWindow { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Most text queries embedded together.</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>What computes the encoder's forward passes (<c>--backend</c>; default auto: docs/api.md).</summary>
    public Inference.TowerBackend Backend { get; init; }

    /// <summary>True when <see cref="Bind"/> is a loopback address (or <c>localhost</c>).</summary>
    public bool IsLoopback => Bind.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Bind, out var a) && IPAddress.IsLoopback(a));

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value (checked before anything is loaded).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Encoder)) throw new ArgumentException("--encoder is required");
        if (string.IsNullOrWhiteSpace(Data)) throw new ArgumentException("--data is required");
        if (!Bind.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(Bind, out _))
            throw new ArgumentException($"--bind '{Bind}': not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)");
        if (!IsLoopback && string.IsNullOrEmpty(ApiKey))
            throw new ArgumentException($"--bind {Bind} is not a loopback address: it needs an API key (--api-key-file FILE or the environment variable {ApiKeys.EnvironmentVariable})");
        if (ApiKey is { Length: < ApiKeys.MinLength }) throw new ArgumentException($"the API key has {ApiKey.Length} characters; at least {ApiKeys.MinLength} are needed");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port {Port}: outside [0, 65535]");
        if (ImageSize is < 8 or > 4096) throw new ArgumentException($"--image-size {ImageSize}: outside [8, 4096]");
        if (MaxK < 1) throw new ArgumentException($"--max-k {MaxK}: must be at least 1");
        if (MaxUploadBytes < 1024) throw new ArgumentException($"the upload limit {MaxUploadBytes} bytes is below 1 KiB");
        if (MaxImagePixels < 1) throw new ArgumentException($"the image-size guard {MaxImagePixels} pixels must be positive");
        if (BatchWindow is { } w && (w < TimeSpan.Zero || w > TimeSpan.FromSeconds(1))) throw new ArgumentException($"batch window {w.TotalMilliseconds} ms: outside [0, 1000] ms");
        if (MaxBatch is < 1 or > 1024) throw new ArgumentException($"max batch {MaxBatch}: outside [1, 1024]");
        if (ThumbnailSide is < 16 or > 2048) throw new ArgumentException($"thumbnail side {ThumbnailSide}: outside [16, 2048]");
    }
}
