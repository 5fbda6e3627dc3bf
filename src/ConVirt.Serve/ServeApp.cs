using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ConVirt.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ConVirt.Serve;

/// <summary>
/// The service: an ASP.NET Core minimal API on Kestrel over an <see cref="ArchiveIndex"/>, and the page at <c>/</c>.
/// Every refused request is a 4xx with <c>{"error": "..."}</c>; an unexpected failure is a 500 with a fixed message
/// (no stack trace). Logs name method, path (never the query string), status and time: no query text, no report
/// text, no DICOM header value; ASP.NET's own request logging is held at Warning.
/// </summary>
internal static class ServeApp
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    const int MaxJsonBytes = 64 * 1024;

    /// <summary>Builds the application (not started).</summary>
    /// <param name="index">The archive to serve (owned by the caller).</param>
    /// <param name="configure">Extra set-up of the builder: log providers (the CLI's console), the test server.</param>
    public static WebApplication Create(ArchiveIndex index, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        var options = index.Options;
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ServeApp).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",   // never the developer exception page, whatever ASPNETCORE_ENVIRONMENT says
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // ASP.NET's request logs carry the URL with its query (?text=...): none below Warning
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes + MaxJsonBytes;
            var address = options.Bind.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(options.Bind);
            k.Listen(address, options.Port);
        });
        builder.Services.Configure<FormOptions>(f => { f.MultipartBodyLengthLimit = options.MaxUploadBytes; f.ValueLengthLimit = MaxJsonBytes; });
        configure?.Invoke(builder);
        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ConVirt.Serve");
        app.Use((context, next) => Guard(context, next, index, log));
        app.UseStatusCodePages(async status =>
        {
            var r = status.HttpContext.Response;
            await WriteError(status.HttpContext, r.StatusCode, r.StatusCode switch
            {
                404 => $"no such endpoint: {status.HttpContext.Request.Method} {status.HttpContext.Request.Path}",
                405 => $"method {status.HttpContext.Request.Method} not allowed on {status.HttpContext.Request.Path}",
                _ => $"HTTP {r.StatusCode}",
            });
        });
        Map(app, index);
        return app;
    }

    /// <summary>Security headers, the API key on /api, the request log line, and errors as JSON.</summary>
    static async Task Guard(HttpContext context, RequestDelegate next, ArchiveIndex index, ILogger log)
    {
        var clock = Stopwatch.StartNew();
        var request = context.Request;
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Frame-Options"] = "DENY";
        bool api = request.Path.StartsWithSegments("/api");
        if (api) headers.CacheControl = "no-store";
        try
        {
            if (api && index.Options.ApiKey is { } key && !ApiKeys.Matches(PresentedKey(request), key))
            {
                headers.WWWAuthenticate = "Bearer";
                throw new ApiException(401, "missing or wrong API key (send Authorization: Bearer KEY or X-Api-Key: KEY)");
            }
            await next(context);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await WriteError(context, e.Status, e.Message);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await WriteError(context, e.StatusCode, e.StatusCode == 413 ? $"request body larger than {index.Options.MaxUploadBytes:N0} bytes" : "malformed request");
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // the type only: a message could quote input
            log.LogError("{Method} {Path}: unexpected {Type}", request.Method, request.Path.Value, e.GetType().Name);
            await WriteError(context, 500, "internal error (the service log names the failure)");
        }
        finally
        {
            log.LogInformation("{Method} {Path} -> {Status} in {Ms:F1} ms", request.Method, request.Path.Value, context.Response.StatusCode, clock.Elapsed.TotalMilliseconds);
        }
    }

    static string? PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return authorization[7..].Trim();
        var header = request.Headers["X-Api-Key"].ToString();
        return header.Length > 0 ? header : null;
    }

    static void Map(WebApplication app, ArchiveIndex index)
    {
        var options = index.Options;
        app.MapGet("/", () => StaticPage.Result("index.html"));
        app.MapGet("/app.js", () => StaticPage.Result("app.js"));
        app.MapGet("/app.css", () => StaticPage.Result("app.css"));
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" }, Json));
        app.MapGet("/api/info", () => Results.Json(new
        {
            encoder = index.Encoder.Name,
            architecture = index.Encoder.Config.Model.Image.Architecture,
            features = index.FeatureKind,
            dimension = index.Dimension,
            image_size = index.ImageSize,
            images = index.Rows.Count,
            unreadable = index.Unreadable,
            text_search = index.HasTextTower,
            splits = index.Splits,
            labels = index.Labels,
            max_k = options.MaxK,
            max_upload_bytes = options.MaxUploadBytes,
            max_image_pixels = options.MaxImagePixels,
            from_cache = index.FromCache,
        }, Json));
        app.MapPost("/api/search/text", async (HttpContext context) =>
        {
            var clock = Stopwatch.StartNew();
            using var body = await ReadJson(context.Request);
            var root = body.RootElement;
            var text = root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!.Trim() : throw new ApiException(400, "field 'text' is missing or not a string");
            CheckText(text, options);
            int k = ReadK(root, Math.Min(20, options.MaxK));
            var filter = ReadFilter(root);
            var hits = await index.SearchTextAsync(text, k, filter);
            return Answer(hits, k, clock);
        });
        app.MapPost("/api/search/image", async (HttpContext context) =>
        {
            var clock = Stopwatch.StartNew();
            var request = context.Request;
            if (request.ContentLength > options.MaxUploadBytes + MaxJsonBytes) throw new ApiException(413, $"upload larger than {options.MaxUploadBytes:N0} bytes");
            if (!request.HasFormContentType) throw new ApiException(415, "expected multipart/form-data with a file field 'image'");
            IFormCollection form;
            try { form = await request.ReadFormAsync(context.RequestAborted); }
            catch (InvalidDataException) { throw new ApiException(413, $"upload larger than {options.MaxUploadBytes:N0} bytes (or a malformed multipart body)"); }
            var file = form.Files.GetFile("image") ?? throw new ApiException(400, "no file field 'image' in the upload");
            if (file.Length == 0) throw new ApiException(400, "the uploaded file is empty");
            if (file.Length > options.MaxUploadBytes) throw new ApiException(413, $"upload of {file.Length:N0} bytes is larger than {options.MaxUploadBytes:N0}");
            int k = form.TryGetValue("k", out var kv) ? (int.TryParse(kv.ToString(), out var kk) ? kk : throw new ApiException(400, "form field 'k' is not an integer")) : Math.Min(20, options.MaxK);
            SearchFilter filter = SearchFilter.None;
            if (form.TryGetValue("filter", out var fv) && fv.ToString().Length > 0)
            {
                try { using var doc = JsonDocument.Parse(fv.ToString()); filter = ParseFilter(doc.RootElement); }
                catch (JsonException) { throw new ApiException(400, "form field 'filter' is not a JSON object"); }
            }
            var image = await Uploads.Decode(file, options.MaxImagePixels, context.RequestAborted);
            var hits = await index.SearchImageAsync(image, k, filter);
            return Answer(hits, k, clock);
        });
        app.MapGet("/api/images/{id}", (string id) =>
        {
            var row = index.Find(id) ?? throw new ApiException(404, "no image with this id");
            return Results.File(index.Thumbnail(row), "image/png");
        });
        app.MapGet("/api/ground", (HttpContext context) =>
        {
            var q = context.Request.Query;
            var id = q["id"].ToString();
            var text = q["text"].ToString().Trim();
            if (id.Length == 0) throw new ApiException(400, "query parameter 'id' is missing");
            CheckText(text, options);
            var row = index.Find(id) ?? throw new ApiException(404, "no image with this id");
            return Results.File(index.Ground(row, text), "image/png");
        });
    }

    static IResult Answer(IReadOnlyList<SearchHit> hits, int k, Stopwatch clock) => Results.Json(new
    {
        k,
        count = hits.Count,
        milliseconds = Math.Round(clock.Elapsed.TotalMilliseconds, 2),
        results = hits.Select(h => new { id = h.Id, score = h.Score, split = h.Split, labels = h.Labels }),
    }, Json);

    static void CheckText(string text, ServeOptions options)
    {
        if (text.Length == 0) throw new ApiException(400, "the query text is empty");
        if (text.Length > options.MaxTextLength) throw new ApiException(400, $"the query text has {text.Length} characters; at most {options.MaxTextLength} are accepted");
    }

    static int ReadK(JsonElement root, int fallback)
    {
        if (!root.TryGetProperty("k", out var k)) return fallback;
        return k.ValueKind == JsonValueKind.Number && k.TryGetInt32(out var v) ? v : throw new ApiException(400, "field 'k' is not an integer");
    }

    static SearchFilter ReadFilter(JsonElement root) =>
        root.TryGetProperty("filter", out var f) && f.ValueKind != JsonValueKind.Null ? ParseFilter(f) : SearchFilter.None;

    static SearchFilter ParseFilter(JsonElement f)
    {
        if (f.ValueKind != JsonValueKind.Object) throw new ApiException(400, "field 'filter' is not an object");
        var conditions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in f.EnumerateObject())
            conditions[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                _ => throw new ApiException(400, $"filter '{p.Name}': expected a string or number"),
            };
        return new SearchFilter(conditions);
    }

    static async Task<JsonDocument> ReadJson(HttpRequest request)
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, "expected Content-Type: application/json");
        if (request.ContentLength > MaxJsonBytes) throw new ApiException(413, $"JSON body larger than {MaxJsonBytes:N0} bytes");
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxJsonBytes) throw new ApiException(413, $"JSON body larger than {MaxJsonBytes:N0} bytes");
        }
        try
        {
            var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object) { doc.Dispose(); throw new ApiException(400, "the body is not a JSON object"); }
            return doc;
        }
        catch (JsonException e)
        {
            throw new ApiException(400, $"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    internal static Task WriteError(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message, status }, Json));
    }
}
