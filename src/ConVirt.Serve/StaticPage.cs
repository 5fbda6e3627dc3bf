using Microsoft.AspNetCore.Http;

namespace ConVirt.Serve;

/// <summary>The page's files (plain HTML, JS and CSS embedded in this assembly; no build step).</summary>
internal static class StaticPage
{
    static readonly Dictionary<string, byte[]> Files = new(StringComparer.Ordinal);

    /// <summary>The bytes of wwwroot/<paramref name="name"/>.</summary>
    public static byte[] Read(string name)
    {
        lock (Files)
        {
            if (Files.TryGetValue(name, out var bytes)) return bytes;
            using var stream = typeof(StaticPage).Assembly.GetManifestResourceStream("wwwroot/" + name)
                ?? throw new InvalidOperationException($"wwwroot/{name} is not embedded in {typeof(StaticPage).Assembly.GetName().Name}");
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return Files[name] = buffer.ToArray();
        }
    }

    /// <summary>The file as a response, with its content type and a policy that allows only this origin's scripts and blob: images.</summary>
    public static IResult Result(string name) => new PageFile(Read(name), Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    });

    sealed class PageFile(byte[] bytes, string type) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = type;
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
            return context.Response.Body.WriteAsync(bytes).AsTask();
        }
    }
}
