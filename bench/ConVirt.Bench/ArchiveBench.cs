using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ConVirt.Configuration;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Prepared;
using ConVirt.Data.Synthetic;
using ConVirt.Data.Text;
using ConVirt.Training;

namespace ConVirt.Bench;

/// <summary>
/// Archive scale (issue 13): prepare throughput from synthetic 512-px PNGs; start-up to the first optimiser step,
/// peak resident memory and data wait of `convirt pretrain --max-steps 20` (cpu-small, 224 px, batch 32) on prepared
/// datasets of 2,000 / 20,000 / 200,000 rows and on a 20,000-row manifest; the data path alone in pairs/s on one core.
/// The 20k and 200k prepared datasets repeat the 2,000-row dataset's shards as hard links (same bytes, listed 10x /
/// 100x in dataset.json): start-up and memory depend on the row count and the shard list, not on the pixels. The
/// 20,000-row manifest reuses the 2,000 source PNGs under distinct ids, so every row is decoded as in a real one.
/// </summary>
internal static partial class ArchiveBench
{
    public sealed record PretrainRun(string Label, int Rows, double FirstStepSeconds, double PeakMiB, double DataWait, double PairsPerSecond, double Seconds, int ExitCode, string Tail);

    public static Dictionary<string, object> Run(string cli, string scratch, int threads, bool quick, Action<string> log)
    {
        var result = new Dictionary<string, object>();
        int sources = quick ? 200 : 2000;
        Directory.CreateDirectory(scratch);
        var w = Stopwatch.StartNew();
        string manifest = SyntheticDataset.Write(Path.Combine(scratch, "src"), sources, 512, 7, conciseReports: true);
        log($"[archive] {sources} synthetic 512-px PNG pairs written in {w.Elapsed.TotalSeconds:F0} s ({DirBytes(Path.Combine(scratch, "src")) / 1e6:F0} MB)");

        // prepare throughput, 8-bit and 16-bit
        foreach (int bits in new[] { 8, 16 })
        {
            string outDir = Path.Combine(scratch, $"prep{bits}");
            w.Restart();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var r = PrepareJob.Run(new PrepareOptions { Manifests = [manifest], Out = outDir, ShortSide = 256, ShardSize = 2000, Bits = bits, Threads = threads });
            double s = w.Elapsed.TotalSeconds;
            // CPU seconds of this process: robust to other load on a shared machine (wall time is not)
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            log($"[archive] prepare {bits}-bit: {cpu:F1} CPU-seconds = {r.Info.Rows / cpu:F1} images per CPU-second");
            long bytes = r.Info.Shards.Sum(x => x.Bytes);
            log($"[archive] prepare {bits}-bit: {r.Info.Rows} rows in {s:F1} s = {r.Info.Rows / s:F1} images/s on {threads} threads; {bytes / 1e6:F1} MB in {r.Info.Shards.Count} shards = {bytes / (double)r.Info.Rows / 1e3:F1} kB/row (load {Machine.LoadAverage()})");
            result[$"prepare_{bits}bit"] = new Dictionary<string, object> { ["rows"] = r.Info.Rows, ["seconds"] = s, ["images_per_s"] = r.Info.Rows / s, ["cpu_seconds"] = cpu, ["images_per_cpu_second"] = r.Info.Rows / cpu, ["threads"] = threads, ["bytes"] = bytes, ["bytes_per_row"] = bytes / (double)r.Info.Rows };
        }
        string prepared = Path.Combine(scratch, "prep8");

        // the data path alone, one thread: read + decode + augment (paper, 224 px) + tokenise
        result["data_path"] = DataPath(prepared, manifest, quick ? 5 : 20, log);

        var copies = quick ? new[] { 1, 10 } : new[] { 1, 10, 100 };
        var runs = new List<PretrainRun>();
        var common = new[] { "--config", "cpu-small", "--image-size", "224", "--batch-size", "32", "--max-steps", quick ? "3" : "20", "--log-every", "1",
            "--checkpoint-every", "100000", "--threads", threads.ToString(CultureInfo.InvariantCulture) };
        foreach (int k in copies)
        {
            string ds = k == 1 ? prepared : Replicate(prepared, Path.Combine(scratch, $"prep-x{k}"), k);
            var info = PreparedDatasetInfo.Read(Path.Combine(ds, PreparedDatasetInfo.FileName));
            runs.Add(Pretrain(cli, $"prepared, {info.Rows:N0} rows", info.Rows, ds, Path.Combine(scratch, $"run-x{k}"), common, log));
        }
        string big = Pooled(manifest, Path.Combine(Path.GetDirectoryName(manifest)!, "manifest-x10.jsonl"), 10);
        runs.Add(Pretrain(cli, $"manifest, {sources * 10:N0} rows", sources * 10, big, Path.Combine(scratch, "run-manifest"), common, log));
        result["pretrain"] = runs;
        return result;
    }

    /// <summary>
    /// The CPU-time figures alone, on the sources and 8-bit dataset an earlier `archive` run left in <paramref name="folder"/>
    /// (src/, prep8/): prepare of the first <paramref name="rows"/> sources on one thread, and the data path.
    /// </summary>
    public static Dictionary<string, object> CpuOnly(string folder, int rows, Action<string> log)
    {
        string manifest = Path.Combine(folder, "src", "manifest.jsonl");
        string subset = Path.Combine(folder, "src", $"manifest-first{rows}.jsonl");
        File.WriteAllLines(subset, File.ReadLines(manifest).Take(rows));
        string outDir = Path.Combine(folder, "prep-cpu");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var w = Stopwatch.StartNew();
        var r = PrepareJob.Run(new PrepareOptions { Manifests = [subset], Out = outDir, ShortSide = 256, ShardSize = 2000, Bits = 8, Threads = 1 });
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        log($"[archive] prepare 8-bit, one thread: {r.Info.Rows} rows, {cpu:F1} CPU-seconds = {r.Info.Rows / cpu:F1} images per CPU-second ({w.Elapsed.TotalSeconds:F1} s wall, load {Machine.LoadAverage()})");
        var result = new Dictionary<string, object> { ["prepare_rows"] = r.Info.Rows, ["prepare_cpu_seconds"] = cpu, ["prepare_images_per_cpu_second"] = r.Info.Rows / cpu };
        result["data_path"] = DataPath(Path.Combine(folder, "prep8"), manifest, 20, log);
        return result;
    }

    static Dictionary<string, object> DataPath(string prepared, string manifest, int batches, Action<string> log)
    {
        var tokenizer = WordPieceTokenizer.FromPackaged("minilm");
        var options = new PairedSourceOptions
        {
            BatchSize = 32, ImageSize = 224, Seed = 1, Shuffle = true, BuildThreads = 1, MaxTokens = 128, DecodeCacheImages = 0,
            Augmentation = ConVirtConfig.CpuSmall.Data.Augmentation,
        };
        var ds = PreparedDataset.Open(prepared);
        using var streamed = new StreamingBatchSource(ds, ds.Select("train", true), tokenizer, options, 1000);
        var rows = Manifest.Load(manifest).Rows.Where(r => r.Split == "train").ToList();
        var fromManifest = PairedBatchSource.Create(rows, tokenizer, options);   // decodes every row once here (not timed)
        double Time(IBatchSource source)
        {
            source.Build(0, 0);
            // one thread builds the batches: its CPU time (robust to other load) rather than wall time
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            int pairs = 0;
            // batches 1..n after the warm-up batch 0, as many as the epoch has (the quick run's 200 rows give 5)
            int last = Math.Min(batches, source.BatchCount(0) - 1);
            for (int i = 1; i <= last; i++) pairs += source.Build(0, i).Count;
            return pairs / (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        }
        // alternate, twice each, and keep the medians
        var a = new List<double>(); var b = new List<double>();
        for (int rep = 0; rep < 2; rep++) { a.Add(Time(streamed)); b.Add(Time(fromManifest)); }
        double sa = Stats.Of(a).Median, sb = Stats.Of(b).Median;
        log($"[archive] data path, one thread, pairs per CPU-second, 224 px, paper augmentation, MiniLM tokens: prepared 256-px shards {sa:F1} pairs/s ({string.Join(", ", a.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}); manifest of 512-px PNGs decoded per batch {sb:F1} pairs/s ({string.Join(", ", b.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}) (load {Machine.LoadAverage()})");
        return new Dictionary<string, object> { ["prepared_pairs_per_s_one_thread"] = sa, ["manifest_pairs_per_s_one_thread"] = sb, ["prepared_runs"] = a, ["manifest_runs"] = b, ["batches"] = batches };
    }

    /// <summary>A dataset listing every shard of <paramref name="source"/> <paramref name="times"/> times, as hard links.</summary>
    static string Replicate(string source, string folder, int times)
    {
        Directory.CreateDirectory(folder);
        var info = PreparedDatasetInfo.Read(Path.Combine(source, PreparedDatasetInfo.FileName));
        var shards = new List<ShardInfo>();
        for (int t = 0; t < times; t++)
            foreach (var s in info.Shards)
            {
                string name = PrepareJob.ShardName(shards.Count);
                var link = Path.Combine(folder, name);
                if (!File.Exists(link)) Process.Start("ln", [Path.Combine(source, s.Name), link])!.WaitForExit();
                shards.Add(s with { Name = name });
            }
        var counts = info.Counts.ToDictionary(kv => kv.Key, kv => kv.Value * times);
        (info with { Shards = shards, Rows = info.Rows * times, Counts = counts }).Write(Path.Combine(folder, PreparedDatasetInfo.FileName));
        return folder;
    }

    /// <summary>A manifest repeating every row of <paramref name="manifest"/> <paramref name="times"/> times under distinct ids and patients.</summary>
    static string Pooled(string manifest, string output, int times)
    {
        var lines = File.ReadAllLines(manifest);
        File.WriteAllLines(output, Enumerable.Range(0, times).SelectMany(t => lines.Select(l => IdField().Replace(PatientField().Replace(l, $"\"patient_id\":\"$1-c{t}\""), $"\"id\":\"$1-c{t}\""))));
        return output;
    }

    [GeneratedRegex("\"id\":\"([^\"]*)\"")] private static partial Regex IdField();
    [GeneratedRegex("\"patient_id\":\"([^\"]*)\"")] private static partial Regex PatientField();
    [GeneratedRegex(@"data wait ([\d.]+) ?%")] private static partial Regex DataWait();
    [GeneratedRegex(@"([\d.]+) pairs/s \(median\)")] private static partial Regex Pairs();

    static PretrainRun Pretrain(string cli, string label, int rows, string data, string run, string[] args, Action<string> log)
    {
        if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { cli, "pretrain", "--train", data, "--out", run }.Concat(args)) psi.ArgumentList.Add(a);
        var w = Stopwatch.StartNew();
        double first = double.NaN;
        var output = new List<string>();
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (double.IsNaN(first) && e.Data.Contains(" step 1 ", StringComparison.Ordinal)) first = w.Elapsed.TotalSeconds;
        };
        p.BeginOutputReadLine();
        var err = p.StandardError.ReadToEndAsync();
        double hwm = 0;
        while (!p.WaitForExit(100)) hwm = Math.Max(hwm, ReadHwm(p.Id));
        p.WaitForExit();
        string all = string.Join("\n", output);
        double wait = DataWait().Match(all) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 100 : double.NaN;
        double pps = Pairs().Match(all) is { Success: true } m2 ? double.Parse(m2.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        var tail = string.Join(" | ", output.Where(l => l.Contains("(median)") || l.Contains("rows")).Concat(err.Result.Split('\n').Where(l => l.Contains("rror"))).Take(4));
        var r = new PretrainRun(label, rows, first, hwm / 1024, wait, pps, w.Elapsed.TotalSeconds, p.ExitCode, tail);
        log($"[archive] pretrain on {label}: first optimiser step after {first:F1} s, peak RSS {r.PeakMiB:F0} MiB, data wait {wait:P1}, {pps:F1} pairs/s, {r.Seconds:F0} s in all, exit {p.ExitCode} (load {Machine.LoadAverage()})");
        try { Directory.Delete(run, recursive: true); } catch (IOException) { }
        return r;
    }

    static double ReadHwm(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }

    static long DirBytes(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
