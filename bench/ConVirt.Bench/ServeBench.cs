using ConVirt.Inference;
using ConVirt.Data.Prepared;
using ConVirt.Training;
using System.Diagnostics;
using System.Net.Http.Json;
using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using ConVirt.Interop;
using ConVirt.Serve;
using Microsoft.AspNetCore.Builder;
using TorchSharp;

namespace ConVirt.Bench;

/// <summary>
/// `convirt serve` under load: the real service (Kestrel on 127.0.0.1, cpu-small = packaged ResNet-18 + MiniLM) over
/// an index of n synthetic embeddings (random 512-d vectors: the index's size is what matters, not its content), driven
/// by a small load generator in this process: c clients each sending the next text query as soon as the last answered.
/// Image search: one PNG upload at a time (decode + evaluation transform + ResNet-18 forward + search).
/// Server and clients share the machine's cores.
/// </summary>
internal static class ServeBench
{
    public sealed record Level(long Images, int Clients, int Requests, double Seconds, double RequestsPerSecond, double P50Ms, double P99Ms, int Failed,
        string Mode = "batched", long Batches = 0);
    public sealed record ImageSearch(long Images, int Side, int Requests, double P50Ms, double P99Ms, double UploadBytes);

    static readonly TimeSpan? DefaultWindow = new ServeOptions { Encoder = "bench", Data = "bench" }.BatchWindow;

    static readonly string[] Queries =
    [
        "small left apical pneumothorax", "right lower lobe consolidation", "moderate left pleural effusion", "enlarged cardiac silhouette",
        "endotracheal tube in good position", "no acute cardiopulmonary abnormality", "bilateral patchy opacities", "right sided central line",
        "large right pleural effusion", "left upper lobe opacity",
    ];

    /// <param name="modes">Text-query handling to compare, alternated per repetition: <c>single</c> (every query embedded
    /// and searched on its own, the service before issue 27), <c>batched</c> (the default, <see cref="ServeOptions.BatchWindow"/>) and
    /// <c>batched-ort</c> (batched, the towers on ONNX Runtime).</param>
    /// <param name="repetitions">Rounds over the modes.</param>
    /// <param name="imageClients">Concurrent image-upload clients per level (after the text levels); null: none.</param>
    public static (List<Level> Text, List<ImageSearch> Image) Run(long[] sizes, int[] clients, double secondsPerLevel, int imageReps, string scratch, Action<string> log,
        string[]? modes = null, int repetitions = 1, int[]? imageClients = null)
    {
        modes ??= ["batched"];
        Directory.CreateDirectory(scratch);
        var config = ConVirtConfig.CpuSmall;
        var built = ConVirt.Interop.ModelFactory.Build(config.Model);
        var encoder = new LoadedEncoder("cpu-small (packaged weights)", built.Model.ImageEncoder, built.Model, built.Tokenizer, config);
        var manifest = SyntheticDataset.Write(Path.Combine(scratch, "serve-images"), 2, 1024, seed: 3);
        var upload = File.ReadAllBytes(Path.Combine(scratch, "serve-images", "images", SyntheticDataset.IdOf(0) + ".png"));
        var template = DataSets.Load(manifest).Rows[0];
        var text = new List<Level>();
        var image = new List<ImageSearch>();
        foreach (long n in sizes)
        {
            torch.manual_seed(1);
            var features = ImageFeatures.ToMatrix(torch.randn(n, config.Model.ProjectionDim));
            var rows = Enumerable.Range(0, (int)n).Select(i => template with { Id = $"row-{i:D7}", Split = (i % 10) switch { 9 => "test", 8 => "val", _ => "train" } }).ToList();
            for (int rep = 0; rep < repetitions; rep++)
                foreach (var mode in modes)
                {
                    var options = new ServeOptions { Encoder = "bench", Data = manifest, Port = 0, ImageSize = 224, BatchWindow = mode == "single" ? null : DefaultWindow };
                    // "batched-ort": batched, with the towers on ONNX Runtime (what --backend auto picks on a CPU that hides its caches)
                    using var towers = mode == "batched-ort" ? TowerBackends.Create(TowerBackend.OnnxRuntime, encoder.Image, encoder.Model, OnnxGraphCache.Uncached) : null;
                    using var index = new ArchiveIndex(towers is null ? encoder : encoder with { Towers = towers }, new ImageFeatureSet(features, rows, []), "v", 224, options);
                    using var app = ServeApp.Create(index);
                    app.StartAsync().GetAwaiter().GetResult();
                    var url = app.Urls.First();
                    log($"  n={n:N0}, text queries {mode}{(options.BatchWindow is { } w ? $" (window {w.TotalMilliseconds} ms, at most {options.MaxBatch})" : "")}, round {rep + 1}: serving at {url} (load {Machine.LoadAverage()})");
                    foreach (int c in clients)
                    {
                        var before = index.TextBatches.Batches;
                        var level = TextLevel(url, n, c, secondsPerLevel) with { Mode = mode };
                        level = level with { Batches = index.TextBatches.Batches - before };
                        text.Add(level);
                        log($"    text search, {c,2} clients: {level.RequestsPerSecond:F1} requests/s, p50 {level.P50Ms:F1} ms, p99 {level.P99Ms:F1} ms ({level.Requests} requests in {level.Seconds:F1} s, {level.Failed} failed{(level.Batches > 0 ? $", {level.Batches} batches incl. warm-up" : "")}; load {Machine.LoadAverage()})");
                    }
                    foreach (int c in imageClients ?? [])
                    {
                        var before = index.ImageBatches.Batches;
                        var level = ImageClientsLevel(url, n, c, secondsPerLevel, upload) with { Mode = mode + " image" };
                        level = level with { Batches = index.ImageBatches.Batches - before };
                        text.Add(level);
                        log($"    image search (1024x1024 PNG uploads), {c,2} clients: {level.RequestsPerSecond:F1} requests/s, p50 {level.P50Ms:F1} ms, p99 {level.P99Ms:F1} ms ({level.Requests} requests in {level.Seconds:F1} s, {level.Failed} failed{(level.Batches > 0 ? $", {level.Batches} batches incl. warm-up" : "")}; load {Machine.LoadAverage()})");
                    }
                    if (imageReps > 0 && rep == 0 && mode == modes[0])
                    {
                        var img = ImageLevel(url, n, upload, imageReps);
                        image.Add(img);
                        log($"    image search (1024x1024 PNG upload, {img.UploadBytes / 1024:F0} KiB, decode + 224 px view + ResNet-18 forward + search): p50 {img.P50Ms:F1} ms, p99 {img.P99Ms:F1} ms ({img.Requests} requests)");
                    }
                    app.StopAsync().GetAwaiter().GetResult();
                }
        }
        return (text, image);
    }

    static Level TextLevel(string url, long n, int clients, double seconds) =>
        LoadLevel(url, n, clients, seconds, (http, i) => http.PostAsJsonAsync("/api/search/text", new { text = Queries[i % Queries.Length], k = 10 }));

    /// <summary>Image search by <paramref name="clients"/> concurrent clients, each uploading <paramref name="png"/>.</summary>
    public static Level ImageClientsLevel(string url, long n, int clients, double seconds, byte[] png) =>
        LoadLevel(url, n, clients, seconds, (http, _) =>
        {
            var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "query.png" }, { new StringContent("10"), "k" } };
            return http.PostAsync("/api/search/image", form);
        });

    static Level LoadLevel(string url, long n, int clients, double seconds, Func<HttpClient, int, Task<HttpResponseMessage>> post)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(url) };
        for (int i = 0; i < 5; i++) post(http, i).GetAwaiter().GetResult().EnsureSuccessStatusCode();   // warm-up
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        int failed = 0, next = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                int q = Interlocked.Increment(ref next);
                var t = Stopwatch.GetTimestamp();
                using var r = await post(http, q);
                await r.Content.ReadAsByteArrayAsync();
                if (r.IsSuccessStatusCode) latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds); else Interlocked.Increment(ref failed);
            }
        })).ToArray();
        Task.WaitAll(workers);
        double elapsed = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return new Level(n, clients, sorted.Length, elapsed, sorted.Length / elapsed, Percentile(sorted, 0.50), Percentile(sorted, 0.99), failed);
    }

    static ImageSearch ImageLevel(string url, long n, byte[] png, int reps)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var times = new List<double>();
        for (int i = 0; i < reps + 2; i++)
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "query.png" }, { new StringContent("10"), "k" } };
            var t = Stopwatch.GetTimestamp();
            using var r = http.PostAsync("/api/search/image", form).GetAwaiter().GetResult();
            r.EnsureSuccessStatusCode();
            if (i >= 2) times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        var sorted = times.Order().ToArray();
        return new ImageSearch(n, 1024, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), png.Length);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
