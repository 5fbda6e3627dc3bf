using System.ComponentModel;
using ConVirt.Data.Prepared;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Cli.Commands;

/// <summary>`convirt prepare`: manifests -> resized WebDataset-style tar shards + dataset.json; or `--verify DIR`.</summary>
internal sealed class PrepareCommand(IAnsiConsole console) : Command<PrepareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <MANIFEST>"), Description("Manifest(s) to prepare (JSON Lines or CSV); several separated by commas.")] public string? Data { get; init; }
        [CommandOption("--out <DIR>"), Description("Output folder: shard-000000.tar, ... and dataset.json. Rerun with the same arguments to finish an interrupted run.")] public string? Out { get; init; }
        [CommandOption("--short-side <PX>"), Description("Short side of the stored images (area-averaged down, never enlarged). Default 256.")] public int ShortSide { get; init; } = 256;
        [CommandOption("--shard-size <N>"), Description("Rows per shard. Default 2000.")] public int ShardSize { get; init; } = 2000;
        [CommandOption("--bits <B>"), Description("Gray PNG sample depth: 8 (default) or 16.")] public int Bits { get; init; } = 8;
        [CommandOption("--dicom-window <W>"), Description("DICOM rows: first (default: the first Window Center/Width), minmax, or index:N.")] public string DicomWindow { get; init; } = "first";
        [CommandOption("--threads <N>"), Description("Decoding threads (default: every core).")] public int Threads { get; init; }
        [CommandOption("--verify <DIR>"), Description("Re-check every shard of a prepared dataset (size, SHA-256, entries, images) instead of preparing.")] public string? Verify { get; init; }

        public override ValidationResult Validate() =>
            Verify is not null ? ValidationResult.Success()
            : string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data <MANIFEST> is required (or --verify DIR)")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <DIR> is required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Verify is { } folder)
        {
            var problems = PreparedDataset.Verify(folder, new ConsoleProgress(console));
            foreach (var p in problems) console.MarkupLineInterpolated($"[red]{p}[/]");
            console.WriteLine(problems.Count == 0 ? $"{folder}: every shard verified" : $"{folder}: {problems.Count} problem(s)");
            return problems.Count == 0 ? 0 : 1;
        }
        var options = new PrepareOptions
        {
            Manifests = s.Data!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            Out = s.Out!, ShortSide = s.ShortSide, ShardSize = s.ShardSize, Bits = s.Bits, Threads = s.Threads, DicomWindow = s.DicomWindow,
        };
        var result = PrepareJob.Run(options, new Progress(console), cancellationToken);
        var info = result.Info;
        console.WriteLine($"{info.Rows:N0} rows in {info.Shards.Count} shards ({info.Shards.Sum(x => x.Bytes) / 1e6:F1} MB), {info.Skipped.Count} skipped, {info.Warnings.Count} warnings; " +
                          $"{result.WrittenShards} shards written, {result.KeptShards} kept, {result.Seconds:F1} s");
        console.WriteLine($"counts: {string.Join(", ", info.Counts.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
        foreach (var skip in info.Skipped.Take(10)) console.MarkupLineInterpolated($"[yellow]skipped: {skip}[/]");
        if (info.Skipped.Count > 10) console.WriteLine($"... {info.Skipped.Count - 10} more in {Path.Combine(s.Out!, PreparedDatasetInfo.FileName)}");
        return 0;
    }

    /// <summary>Messages as they come; plain progress at most every 2 seconds, with rate and ETA.</summary>
    private sealed class Progress(IAnsiConsole console) : IProgress<PrepareProgress>
    {
        private DateTime last = DateTime.MinValue;

        public void Report(PrepareProgress p)
        {
            if (p.Message is null && DateTime.UtcNow - last < TimeSpan.FromSeconds(2) && p.Done < p.Total) return;
            last = DateTime.UtcNow;
            string status = p.Total > 0 ? $"{p.Done:N0}/{p.Total:N0} rows, {p.RowsPerSecond:F1} rows/s, ETA {(p.Eta is { } eta ? eta.ToString(@"hh\:mm\:ss") : "?")}" : "";
            console.MarkupLineInterpolated($"[grey]{(p.Message is null ? status : p.Total > 0 ? $"{p.Message} ({status})" : p.Message)}[/]");
        }
    }
}
