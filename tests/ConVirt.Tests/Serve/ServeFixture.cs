using System.Collections.Concurrent;
using ConVirt.Data.Synthetic;
using ConVirt.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace ConVirt.Tests.Serve;

/// <summary>A tiny ConVIRT checkpoint, 20 synthetic 64 px images, their archive index and the service on a test server.</summary>
public sealed class ServeFixture : IDisposable
{
    public ServeFixture()
    {
        Folder = Pipeline.TinyRuns.TempFolder("serve");
        Manifest = SyntheticDataset.Write(Path.Combine(Folder, "data"), 20, 64, seed: 5);
        Run = Pipeline.TinyCheckpoint.Save(Path.Combine(Folder, "run")).Folder;
        Options = new ServeOptions { Encoder = Run, Data = Manifest, ImageSize = 64, MaxK = 10, MaxUploadBytes = 64 * 1024, MaxImagePixels = 100_000 };
        Index = ArchiveLoader.Load(Options);
        App = ServeApp.Create(Index, b => { b.WebHost.UseTestServer(); b.Logging.AddProvider(Logs); });
        App.StartAsync().GetAwaiter().GetResult();
        Client = App.GetTestClient();
    }

    public string Folder { get; }
    public string Manifest { get; }
    public string Run { get; }
    internal ServeOptions Options { get; }
    internal ArchiveIndex Index { get; }
    public WebApplication App { get; }
    public HttpClient Client { get; }
    public CapturedLogs Logs { get; } = new();

    /// <summary>The PNG of synthetic row <paramref name="i"/>.</summary>
    public string ImageOf(int i) => Path.Combine(Folder, "data", "images", SyntheticDataset.IdOf(i) + ".png");

    public void Dispose()
    {
        Client.Dispose();
        App.StopAsync().GetAwaiter().GetResult();
        ((IDisposable)App).Dispose();
        Index.Dispose();
    }

    /// <summary>Every log message the service wrote, formatted.</summary>
    public sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        sealed class Logger(CapturedLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
