using System.Diagnostics;
using System.Text.Json.Nodes;
using ConVirt.Labeling;

namespace ConVirt.Bench;

/// <summary>
/// `label`: report labeling speed on one thread (= per core) over 100k reports made by repeating the OpenI set,
/// for the engine alone and for the public Label(string) call; then `LabelManifest` over 10k- and 100k-row JSON
/// Lines files, streamed, with the managed heap and working set sampled during the run (flat in the row count).
/// </summary>
public static class LabelBench
{
    public static Dictionary<string, object> Run(string sharedData, string scratch, bool quick, Action<string> log)
    {
        string source = Path.Combine(sharedData, "openi-reports", "reports.jsonl");
        if (!File.Exists(source)) { log($"[label] skipped: {source} not found (set CONVIRT_SHARED_DATA)"); return new() { ["skipped"] = "no shared data" }; }
        var rows = File.ReadLines(source).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var texts = rows.Select(r => (string?)r["text"] ?? "").ToArray();
        int count = quick ? 10_000 : 100_000;
        var reports = Enumerable.Range(0, count).Select(i => texts[i % texts.Length]).ToArray();
        double meanChars = reports.Average(r => r.Length);
        var result = new Dictionary<string, object> { ["reports"] = count, ["distinct_reports"] = texts.Length, ["mean_chars"] = meanChars };
        log($"[label] {count} reports (the {texts.Length} OpenI reports repeated, mean {meanChars:F0} characters), one thread (load {Machine.LoadAverage()})");

        foreach (var scheme in new[] { LabelScheme.ChestXray14, LabelScheme.Chexpert })
        {
            var labeler = ReportLabeler.FromScheme(scheme);
            var values = new sbyte[labeler.Keys.Count];
            foreach (var r in texts) labeler.LabelInto(r, values); // warm-up: JIT, the scheme parse
            var engine = new List<double>();
            var engineCpu = new List<double>();
            long allocated = 0;
            var process = Process.GetCurrentProcess();
            for (int rep = 0; rep < 5; rep++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                foreach (var r in reports) labeler.LabelInto(r, values);
                engine.Add(count / watch.Elapsed.TotalSeconds);
                process.Refresh();
                // per CPU-second of this process: the per-core rate with the other tenants' load taken out
                engineCpu.Add(count / (process.TotalProcessorTime - cpuBefore).TotalSeconds);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            var api = new List<double>();
            for (int rep = 0; rep < 3; rep++)
            {
                var watch = Stopwatch.StartNew();
                foreach (var r in reports) labeler.Label(r);
                api.Add(count / watch.Elapsed.TotalSeconds);
            }
            var e = Stats.Of(engine);
            var ec = Stats.Of(engineCpu);
            var a = Stats.Of(api);
            log($"  {labeler.SchemeName}: engine {e.Show("F0", " reports/s")} wall, {ec.Show("F0", " reports per CPU-second")}, {(double)allocated / count:F1} bytes allocated per report; Label(string) -> dictionary {a.Show("F0", " reports/s")} (load {Machine.LoadAverage()})");
            result[labeler.SchemeName] = new Dictionary<string, object>
            {
                ["engine_reports_per_s"] = e, ["engine_reports_per_cpu_s"] = ec, ["engine_bytes_allocated_per_report"] = (double)allocated / count, ["label_call_reports_per_s"] = a,
            };
        }

        // the manifest path: parse JSON, label, write JSON; streamed
        Directory.CreateDirectory(scratch);
        var cx14 = ReportLabeler.FromScheme(LabelScheme.ChestXray14);
        var manifests = new Dictionary<string, object>();
        foreach (int n in quick ? new[] { 1_000, 10_000 } : new[] { 10_000, 100_000 })
        {
            string input = Path.Combine(scratch, $"reports-{n}.jsonl"), output = Path.Combine(scratch, $"labelled-{n}.jsonl");
            using (var writer = new StreamWriter(input))
                for (int i = 0; i < n; i++)
                {
                    var row = rows[i % rows.Count].DeepClone().AsObject();
                    row["id"] = $"r{i}";
                    writer.WriteLine(row.ToJsonString());
                }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long heapPeak = 0, setPeak = 0;
            var progress = new SyncProgress(_ =>
            {
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(false));
                setPeak = Math.Max(setPeak, Environment.WorkingSet);
            });
            var watch = Stopwatch.StartNew();
            var labelled = cx14.LabelManifest(input, output, progress);
            double seconds = watch.Elapsed.TotalSeconds;
            long bytes = new FileInfo(input).Length;
            log($"  manifest {n} rows ({bytes / 1048576.0:F0} MiB): {labelled.Rows / seconds:F0} rows/s ({seconds:F1} s); managed heap peak {heapPeak / 1048576.0:F0} MiB, working set peak {setPeak / 1048576.0:F0} MiB (load {Machine.LoadAverage()})");
            manifests[n.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new Dictionary<string, object>
            {
                ["rows_per_s"] = labelled.Rows / seconds, ["seconds"] = seconds, ["input_mib"] = bytes / 1048576.0,
                ["heap_peak_mib"] = heapPeak / 1048576.0, ["working_set_peak_mib"] = setPeak / 1048576.0,
            };
            File.Delete(input);
            File.Delete(output);
        }
        result["manifest"] = manifests;
        return result;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<LabelingProgress> report) : IProgress<LabelingProgress>
    {
        public void Report(LabelingProgress value) => report(value);
    }
}
