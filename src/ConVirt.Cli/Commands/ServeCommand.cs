using System.ComponentModel;
using ConVirt.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt serve`: the case-retrieval service and its page over an archive embedded once (cached).</summary>
internal sealed class ServeCommand(IAnsiConsole console) : Command<ServeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--encoder <E>"), Description("Run folder, checkpoint, random or imagenet (text search needs a ConVIRT run).")] public string? Encoder { get; init; }
        [CommandOption("--data <M>"), Description("The archive: a manifest or a prepared dataset folder.")] public string? Data { get; init; }
        [CommandOption("--port <N>"), Description("TCP port (default 8080; 0: a free one).")] public int Port { get; init; } = 8080;
        [CommandOption("--bind <ADDRESS>"), Description("Listen address (default 127.0.0.1); any other needs an API key.")] public string Bind { get; init; } = "127.0.0.1";
        [CommandOption("--api-key-file <FILE>"), Description("File holding the API key (else the environment variable CONVIRT_SERVE_API_KEY).")] public string? ApiKeyFile { get; init; }
        [CommandOption("--image-size <PX>"), Description("The model's view of an image (default: the encoder's training size).")] public int? ImageSize { get; init; }
        [CommandOption("--cache <DIR>"), Description("Folder of the embedding cache (default RUN/serve-cache).")] public string? Cache { get; init; }
        [CommandOption("--max-k <N>"), Description("Largest k a search may ask for (default 100).")] public int MaxK { get; init; } = 100;
        [CommandOption("--max-upload-mb <MB>"), Description("Largest image upload (default 32).")] public int MaxUploadMb { get; init; } = 32;
        [CommandOption("--device <D>")] public string Device { get; init; } = "cpu";
        [CommandOption("--backend <B>"), Description(EncoderSettings.BackendHelp)] public string Backend { get; init; } = "auto";
        [CommandOption("--batch-window <MS>"), Description("How long concurrent queries may wait to be embedded and searched together, in ms (default 2; off: one query at a time).")] public string BatchWindow { get; init; } = "2";
        [CommandOption("--max-batch <N>"), Description("Most queries per batch (default 64).")] public int MaxBatch { get; init; } = 64;

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Encoder) ? ValidationResult.Error("--encoder <E> is required")
            : string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <M> is required")
            : MaxUploadMb is < 1 or > 1024 ? ValidationResult.Error("--max-upload-mb must be in [1, 1024]")
            : TryParseWindow(BatchWindow, out _) ? (MaxBatch is < 1 or > 1024 ? ValidationResult.Error("--max-batch must be in [1, 1024]") : ValidationResult.Success())
            : ValidationResult.Error($"--batch-window '{BatchWindow}': expected milliseconds in [0, 1000] or off");

        /// <summary>The service's options (the API key resolved from <paramref name="environment"/> when no file is named).</summary>
        internal ServeOptions ToOptions(Func<string, string?> environment) => new()
        {
            Encoder = Encoder!, Data = Data!, Port = Port, Bind = Bind, ImageSize = ImageSize, CacheFolder = Cache,
            MaxK = MaxK, MaxUploadBytes = (long)MaxUploadMb << 20, Device = Device,
            Backend = EncoderSettings.ParseBackend(Backend),
            BatchWindow = TryParseWindow(BatchWindow, out var window) ? window : throw new ArgumentException($"--batch-window '{BatchWindow}'"),
            MaxBatch = MaxBatch,
            ApiKey = ApiKeys.Resolve(ApiKeyFile, environment),
        };

        static bool TryParseWindow(string value, out TimeSpan? window)
        {
            window = null;
            if (value.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return true;
            if (!double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double ms) || ms is < 0 or > 1000) return false;
            window = TimeSpan.FromMilliseconds(ms);
            return true;
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        ServeOptions options;
        try { options = s.ToOptions(Environment.GetEnvironmentVariable); options.Validate(); }
        catch (ArgumentException e) { console.MarkupLineInterpolated($"[red]error:[/] {e.Message}"); return 2; }
        int lastTenth = -1;
        using var index = ArchiveLoader.Load(options, new ConsoleProgress(console), new Progress((done, total) =>
        {
            int tenth = done * 10 / Math.Max(1, total);
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            console.MarkupLineInterpolated($"[grey]embedded {done} of {total} images[/]");
        }));
        using var app = ServeApp.Create(index, b => b.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss "; }));
        app.Start();
        foreach (var url in app.Urls)
            console.WriteLine($"listening on {url}/ ({index.Rows.Count} images, {index.FeatureKind} {index.Dimension}-d, {(options.ApiKey is null ? "no API key" : "API key required on /api")}); Ctrl+C stops");
        app.WaitForShutdown();
        return 0;
    }

    sealed class Progress(Action<int, int> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value.Done, value.Total);
    }
}
