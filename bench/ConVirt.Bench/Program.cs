// ConVirt.Bench: every figure of docs/benchmarks.md, measured side by side in one run.
// Usage: dotnet run -c Release --project bench/ConVirt.Bench -- [all|train|layout|linear|data|flops|inference|retrieval|memory|codecs|archive|precision|distributed|serve|label ...]
//        label (not in all): report labeling, one thread, 100k OpenI reports (../shared/data/openi-reports), engine and manifest
//        issue 27 (not in all): probe [--features DIR] (needs /usr/bin/python3 with scikit-learn), probe-sweep --features DIR, serve-batching, onnx [--configs cpu-small,paper]
//        distributed (not in all): needs mpirun (openmpi-bin); 2 ranks x 1 thread against 1 rank x 2 threads, and the cost model's pieces
//        precision (not in all): [--configs cpu-small,paper] [--no-peers] [--bf16-peer-reps N|0] [--compile-peer-reps N|0] [--batch N] [--size PX]
//        [--threads N] [--quick] [--cli PATH/convirt.dll] [--out FILE.json] [--rounds N (alternations, default 2)] [--reps N (timed steps per run)]
//        [--fp32-only (no ours bf16, no embedding)] [--no-pytorch113] [--peer-isa AVX (PyTorch 2.6 once more per round with ONEDNN_MAX_CPU_ISA)]
//        [--ours-mkl-vendor (ours once more per round in a child with CONVIRT_MKL=vendor: MKL as shipped)]
//        mkl (not in all): [--rounds N] MKL's float32 products as shipped and unlocked (MklDispatch), children alternated
// bench/run.sh builds the tool and this project, checks the PyTorch reference and runs `all`.
using ConVirt.Interop;
using System.Diagnostics;
using System.Text.Json;
using ConVirt.Bench;
using ConVirt.Data.Synthetic;
using ConVirt.Precision;
using static TorchSharp.torch;
using TorchSharp;

var sections = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !IsOptionValue(args, a)).ToList();
if (sections.Count == 0 || sections.Contains("all")) sections = ["train", "layout", "linear", "data", "flops", "inference", "retrieval", "memory", "codecs", "archive"];
bool quick = args.Contains("--quick");
int threads = Option("--threads") is { } t ? int.Parse(t) : Environment.ProcessorCount;
string repo = FindRepo();
string outFile = Option("--out") ?? Path.Combine(repo, "bench", "results", quick ? "quick.json" : "latest.json");
string cli = Option("--cli") ?? Path.Combine(repo, "src", "ConVirt.Cli", "bin", "Release", "net10.0", "convirt.dll");
string sharedData = Environment.GetEnvironmentVariable("CONVIRT_SHARED_DATA") ?? Path.GetFullPath(Path.Combine(repo, "..", "shared", "data"));
string covid = Path.Combine(sharedData, "covid-cxr", "manifest.jsonl");
string scratch = Path.Combine(Path.GetTempPath(), $"convirt-bench-{Environment.ProcessId}");

ConVirt.Runtime.NativeRuntime.EnsureLoaded();
int defaultThreads = torch.get_num_threads();
torch.set_num_threads(threads);
try { torch.set_num_interop_threads(1); } catch (Exception) { /* already set */ }

// children of the mkl section and of precision's --ours-mkl-vendor (MklBench): one JSON line on stdout, no results file
if (sections.Contains("mkl-child"))
{
    Console.WriteLine(JsonSerializer.Serialize(new { state = ConVirt.Runtime.MklDispatch.State.Reason, gflops = MklBench.TimeShapes(Option("--reps") is { } mr ? int.Parse(mr) : 5) }));
    return 0;
}
if (sections.Contains("train-child"))
{
    var childSize = int.Parse(Option("--size") ?? "224");
    var childRun = TrainStepBench.RunOurs(StepConfig.Named(Option("--configs") ?? "cpu-small"), int.Parse(Option("--batch") ?? "32"), childSize, 24, 1, int.Parse(Option("--reps") ?? "2"));
    Console.WriteLine(JsonSerializer.Serialize(new { state = ConVirt.Runtime.MklDispatch.State.Reason, steps = childRun.Steps, phases = childRun.Phases, loss = TrainStepBench.LastLoss }));
    return 0;
}

var results = new Dictionary<string, object>
{
    ["command"] = "dotnet run -c Release --project bench/ConVirt.Bench -- " + string.Join(" ", args),
    ["machine"] = Machine.Describe(),
    ["torch_default_threads"] = defaultThreads,
    ["quick"] = quick,
};
Log($"machine: {Machine.CpuModel()}, {Environment.ProcessorCount} logical cores, {Machine.MemTotalMiB()} MiB, load {Machine.LoadAverage()}");
Log($"threads: libtorch intra-op {torch.get_num_threads()} (default here {defaultThreads}), inter-op {torch.get_num_interop_threads()}, OMP_WAIT_POLICY {ConVirt.Runtime.NativeRuntime.OpenMpWaitPolicy}, allocator {ConVirt.Runtime.NativeRuntime.AllocatorPolicy} (both sides); TorchSharp {ConVirt.Runtime.NativeRuntime.TorchSharpVersion}");
var total = Stopwatch.StartNew();

int size = Option("--size") is { } sz ? int.Parse(sz) : quick ? 64 : 224, tokens = 24, batch = Option("--batch") is { } bs ? int.Parse(bs) : 32;
var stepResults = new Dictionary<string, (Stats Ours, Stats? Torch)>();

if (sections.Contains("train"))
{
    var train = new Dictionary<string, object>();
    foreach (var name in new[] { "cpu-small", "paper" })
    {
        var sc = StepConfig.Named(name);
        int warmup = quick ? 1 : 2, reps = quick ? 2 : 5;
        // order ours, PyTorch, ours (ABA): a load that drifts during the run biases neither side; ours pools both runs
        Log($"[train] {name}: batch {batch}, {size} px, {tokens} tokens, {warmup} warm-up + {reps} timed steps per run, order ours / PyTorch / ours (load {Machine.LoadAverage()})");
        var (steps, phases) = TrainStepBench.RunOurs(sc, batch, size, tokens, warmup, reps);
        Log($"  ours (1): {Stats.Of(steps).Show("F2", " s")}/step");
        var py = TrainStepBench.RunPyTorch(repo, name, threads, batch, size, tokens, warmup, reps, false, out var why);
        var (steps2, phases2) = TrainStepBench.RunOurs(sc, batch, size, tokens, warmup, reps);
        Log($"  ours (2): {Stats.Of(steps2).Show("F2", " s")}/step");
        steps.AddRange(steps2);
        phases.AddRange(phases2);
        var ours = Stats.Of(steps);
        Log($"  ours:    {ours.Show("F2", " s")}/step = {batch / ours.Median:F2} pairs/s; phases {ShowPhases(phases)}");
        var entry = new Dictionary<string, object>
        {
            ["ours_step_s"] = ours, ["ours_pairs_per_s"] = batch / ours.Median, ["ours_phases_median_s"] = PhaseMedians(phases),
        };
        Stats? torchStats = null;
        if (py is { } p)
        {
            torchStats = Stats.Of(p.Steps);
            entry["pytorch_step_s"] = torchStats;
            entry["pytorch_pairs_per_s"] = batch / torchStats.Median;
            entry["pytorch_phases_median_s"] = PhaseMedians(p.Phases);
            entry["pytorch"] = p.Info;
            entry["ratio_ours_over_pytorch"] = torchStats.Median / ours.Median;
            Log($"  pytorch: {torchStats.Show("F2", " s")}/step = {batch / torchStats.Median:F2} pairs/s; phases {ShowPhases(p.Phases)}  ({string.Join(", ", p.Info.Select(kv => $"{kv.Key} {kv.Value}"))})");
            Log($"  ratio (ours pairs/s / PyTorch pairs/s): {torchStats.Median / ours.Median:F2}x (load {Machine.LoadAverage()})");
        }
        else
        {
            entry["pytorch_unavailable"] = why ?? "unknown";
            Log($"  pytorch: unavailable: {why}");
        }
        stepResults[name] = (ours, torchStats);
        train[name] = entry;
    }
    results["train_step"] = train;
}

if (sections.Contains("precision"))
{
    // section 8 of docs/benchmarks.md: fp32 vs bf16 (ours), and the PyTorch peers 1.13 fp32, 2.6 fp32 channels-last + SDPA, 2.6 autocast bf16
    var precision = new Dictionary<string, object>();
    var bf16 = PrecisionPolicy.Create(PrecisionMode.Bf16, "cpu");
    var cpuSupport = Bf16Hardware.Detect(CPU);
    Log($"[precision] bf16 here: {bf16.Name} ({cpuSupport.Reason}); MKL: {(ConVirt.Runtime.MklDispatch.State.Unlocked ? "AVX-512 unlocked" : "as shipped")} ({ConVirt.Runtime.MklDispatch.State.Reason}) (load {Machine.LoadAverage()})");
    precision["mkl_dispatch"] = ConVirt.Runtime.MklDispatch.State;
    precision["bf16_policy"] = bf16.Name;
    precision["cpu_bf16"] = cpuSupport.Reason;
    int nativeReps = quick ? 1 : 2;
    var mm = PrecisionBench.Matmul(1024, 3, quick ? 2 : 5, nativeReps);
    var cv = PrecisionBench.Convolution(1, quick ? 2 : 5, nativeReps);
    Log($"  1024x1024 matmul: fp32 {mm.Fp32.Show("F1", " GFLOP/s")}; bf16 libtorch kernel {mm.Bf16Native.Show("F2", " GFLOP/s")}; bf16 upcast (incl. casts) {mm.Bf16Upcast.Show("F1", " GFLOP/s")}");
    Log($"  3x3 conv 64->64, [8, 64, 56, 56] channels-last: fp32 {cv.Fp32.Show("F1", " GFLOP/s")}; bf16 libtorch kernel {cv.Bf16Native.Show("F2", " GFLOP/s")}; bf16 upcast {cv.Bf16Upcast.Show("F1", " GFLOP/s")}");
    precision["peak"] = new Dictionary<string, object> { ["matmul_1024"] = mm, ["conv3x3_64"] = cv };
    bool peers = !args.Contains("--no-peers");
    foreach (var name in (Option("--configs") ?? "cpu-small,paper").Split(','))
    {
        var sc = StepConfig.Named(name);
        int warmup = 1, reps = Option("--reps") is { } rp ? int.Parse(rp) : quick ? 1 : 3;
        int rounds = Option("--rounds") is { } rd ? int.Parse(rd) : 2;
        bool fp32Only = args.Contains("--fp32-only"), no113 = args.Contains("--no-pytorch113");
        Log($"[precision] {name} training step: batch {batch}, {size} px, {tokens} tokens, {warmup} warm-up + {reps} timed steps per run, ABAB: ours fp32 / ours bf16 / PyTorch 1.13 fp32 / PyTorch 2.6 fp32 channels-last, twice; then PyTorch 2.6 autocast bf16 once");
        var runs = new Dictionary<string, List<double>> { ["ours_fp32"] = [], ["ours_bf16"] = [], ["pytorch113_fp32"] = [], ["pytorch26_fp32_cl"] = [] };
        var info = new Dictionary<string, object>();
        (int Casts, long Bytes) casts = (0, 0);
        var phases = new Dictionary<string, List<double[]>> { ["ours_fp32"] = [], ["pytorch26_fp32_cl"] = [] };
        for (int round = 0; round < rounds; round++)
        {
            var oursRun = TrainStepBench.RunOurs(sc, batch, size, tokens, warmup, reps);
            runs["ours_fp32"].AddRange(oursRun.Steps);
            phases["ours_fp32"].AddRange(oursRun.Phases);
            info[$"ours_fp32_loss_round{round + 1}"] = TrainStepBench.LastLoss;
            if (args.Contains("--ours-mkl-vendor"))
            {
                // ours once more in a child process with MKL as shipped (CONVIRT_MKL=vendor): the step before MklDispatch
                const string key = "ours_fp32_mkl_vendor";
                if (!runs.ContainsKey(key)) { runs[key] = []; phases[key] = []; }
                if (MklBench.OursWithMklAsShipped(name, size, batch, reps, threads, out var whyChild) is not { } asShipped) info[key] = whyChild ?? "?";
                else
                {
                    runs[key].AddRange(asShipped.Steps);
                    phases[key].AddRange(asShipped.Phases);
                    info[$"{key}_loss_round{round + 1}"] = asShipped.Loss;
                }
            }
            if (!fp32Only) runs["ours_bf16"].AddRange(TrainStepBench.RunOurs(sc, batch, size, tokens, warmup, reps, bf16, out casts).Steps);
            if (!peers) continue;
            if (no113) { }
            else if (TrainStepBench.RunPyTorch(repo, name, threads, batch, size, tokens, warmup, reps, false, "fp32", trixie: false, compile: false, out var why1) is { } p113)
            { runs["pytorch113_fp32"].AddRange(p113.Steps); info["pytorch113"] = p113.Info; }
            else info["pytorch113"] = why1 ?? "?";
            if (TrainStepBench.RunPyTorch(repo, name, threads, batch, size, tokens, warmup, reps, true, "fp32", trixie: true, compile: false, out var why2) is { } p26)
            { runs["pytorch26_fp32_cl"].AddRange(p26.Steps); phases["pytorch26_fp32_cl"].AddRange(p26.Phases); info["pytorch26"] = p26.Info; if (p26.Info.TryGetValue("loss", out var pl)) info[$"pytorch26_fp32_loss_round{round + 1}"] = pl; }
            else info["pytorch26"] = why2 ?? "?";
            if (Option("--peer-isa") is { } isa)
            {
                // the PyTorch 2.6 peer again with oneDNN capped to ISA (ONEDNN_MAX_CPU_ISA, the peer's process only)
                string key = $"pytorch26_fp32_cl_isa_{isa}";
                if (!runs.ContainsKey(key)) runs[key] = [];
                if (TrainStepBench.RunPyTorch(repo, name, threads, batch, size, tokens, warmup, reps, true, "fp32", trixie: true, compile: false, out var why5, onednnMaxIsa: isa) is { } p26i)
                { runs[key].AddRange(p26i.Steps); (phases.TryGetValue(key, out var pk) ? pk : phases[key] = []).AddRange(p26i.Phases); info[key] = p26i.Info; if (p26i.Info.TryGetValue("loss", out var pli)) info[$"{key}_loss_round{round + 1}"] = pli; }
                else info[key] = why5 ?? "?";
            }
            Log($"  round {round + 1}: " + string.Join(", ", runs.Where(kv => kv.Value.Count > 0).Select(kv => $"{kv.Key} {Stats.Of(kv.Value).Median:F2} s")) + $"; loss ours {TrainStepBench.LastLoss:F4}, PyTorch 2.6 {(info.TryGetValue($"pytorch26_fp32_loss_round{round + 1}", out var pl26) ? pl26 : "-")}" +
                (Option("--peer-isa") is { } isaL && info.TryGetValue($"pytorch26_fp32_cl_isa_{isaL}_loss_round{round + 1}", out var pli26) ? $", PyTorch 2.6 ISA {isaL} {pli26}" : "") +
                string.Concat(info.Where(kv => kv.Value is string && !kv.Key.Contains("_loss_", StringComparison.Ordinal)).Select(kv => $"; {kv.Key} failed: {kv.Value}")) + $" (load {Machine.LoadAverage()})");
        }
        if (peers && Option("--bf16-peer-reps") != "0")
        {
            int peerReps = int.Parse(Option("--bf16-peer-reps") ?? "1");
            runs["pytorch26_bf16_cl"] = [];
            if (TrainStepBench.RunPyTorch(repo, name, threads, batch, size, tokens, 1, peerReps, true, "bf16", trixie: true, compile: false, out var why3) is { } p26b)
            { runs["pytorch26_bf16_cl"].AddRange(p26b.Steps); info["pytorch26_bf16"] = p26b.Info; }
            else info["pytorch26_bf16"] = why3 ?? "?";
        }
        if (peers && Option("--compile-peer-reps") != "0")
        {
            // torch.compile (inductor) of both towers, fp32 channels-last, once after the ABAB rounds: its warm-up step compiles
            int peerReps = int.Parse(Option("--compile-peer-reps") ?? "2");
            runs["pytorch26_compile_fp32_cl"] = [];
            if (TrainStepBench.RunPyTorch(repo, name, threads, batch, size, tokens, 2, peerReps, true, "fp32", trixie: true, compile: true, out var why4) is { } p26c)
            { runs["pytorch26_compile_fp32_cl"].AddRange(p26c.Steps); info["pytorch26_compile"] = p26c.Info; }
            else info["pytorch26_compile"] = why4 ?? "?";
        }
        var entry = new Dictionary<string, object> { ["peers"] = info, ["bf16_weight_casts_per_step"] = casts.Casts, ["bf16_weight_cast_mb"] = casts.Bytes / 1e6 };
        foreach (var (key, values) in runs.Where(kv => kv.Value.Count > 0))
        {
            var st = Stats.Of(values);
            entry[key + "_step_s"] = st;
            entry[key + "_pairs_per_s"] = batch / st.Median;
            Log($"  {key,-18} {st.Show("F2", " s")}/step = {batch / st.Median:F2} pairs/s");
        }
        // median seconds per phase (image forward, text forward, loss, backward, optimizer step) of the fp32 runs
        var phaseMedians = new Dictionary<string, object>();
        foreach (var (key, list) in phases.Where(kv => kv.Value.Count > 0))
        {
            var med = Enumerable.Range(0, TrainStepBench.Phases.Length).ToDictionary(j => TrainStepBench.Phases[j], j => Stats.Of(list.Select(ph => ph[j])).Median);
            phaseMedians[key] = med;
            Log($"  phases {key,-18} " + string.Join(", ", med.Select(kv => $"{kv.Key} {kv.Value:F2} s")));
        }
        entry["phases_median_s"] = phaseMedians;
        double Ratio(string a, string b) => runs.TryGetValue(a, out var x) && runs.TryGetValue(b, out var y) && x.Count > 0 && y.Count > 0 ? Stats.Of(y).Median / Stats.Of(x).Median : double.NaN;
        var ratios = new Dictionary<string, double>
        {
            ["ours_bf16_over_ours_fp32"] = Ratio("ours_bf16", "ours_fp32"),
            ["ours_fp32_over_pytorch26_fp32"] = Ratio("ours_fp32", "pytorch26_fp32_cl"),
            ["ours_fp32_over_pytorch113_fp32"] = Ratio("ours_fp32", "pytorch113_fp32"),
            ["ours_bf16_over_pytorch26_bf16"] = Ratio("ours_bf16", "pytorch26_bf16_cl"),
            ["pytorch26_bf16_over_pytorch26_fp32"] = Ratio("pytorch26_bf16_cl", "pytorch26_fp32_cl"),
        };
        ratios["ours_fp32_over_pytorch26_compile_fp32"] = Ratio("ours_fp32", "pytorch26_compile_fp32_cl");
        ratios["ours_fp32_over_ours_fp32_mkl_vendor"] = Ratio("ours_fp32", "ours_fp32_mkl_vendor");
        ratios["ours_fp32_mkl_vendor_over_pytorch26_fp32"] = Ratio("ours_fp32_mkl_vendor", "pytorch26_fp32_cl");
        if (Option("--peer-isa") is { } isaR) ratios[$"ours_fp32_over_pytorch26_fp32_isa_{isaR}"] = Ratio("ours_fp32", $"pytorch26_fp32_cl_isa_{isaR}");
        entry["ratios_pairs_per_s"] = ratios;
        // achieved FLOP/s against the section's own kernel peaks: float32 (matmul or convolution) and bfloat16 (the faster of
        // libtorch's bfloat16 kernel and the upcast path, casts included: what a bf16 step can reach on this CPU)
        var spec = ConVirt.Interop.ModelFactory.ResolveImageSpec(sc.Config.Model.Image);
        double stepGflop = 2 * FlopCount.ConVirtStep(spec, sc.Config.Model.Text.Bert, sc.Config.Model.Text.FrozenLayers, batch, size, tokens).Training / 1e9;
        double fp32Peak = Math.Max(mm.Fp32.Median, cv.Fp32.Median);
        double bf16Peak = new[] { mm.Bf16Native.Median, mm.Bf16Upcast.Median, cv.Bf16Native.Median, cv.Bf16Upcast.Median }.Max();
        var flops = new Dictionary<string, object> { ["step_gflop"] = stepGflop, ["fp32_peak_gflops"] = fp32Peak, ["bf16_peak_gflops"] = bf16Peak };
        foreach (var (key, peakOf) in new[] { ("ours_fp32", fp32Peak), ("ours_bf16", bf16Peak), ("pytorch26_fp32_cl", fp32Peak), ("pytorch26_bf16_cl", bf16Peak) })
            if (runs.TryGetValue(key, out var v) && v.Count > 0)
            {
                double achieved = stepGflop / Stats.Of(v).Median;
                flops[key + "_gflops"] = achieved;
                flops[key + "_percent_of_peak"] = 100 * achieved / peakOf;
            }
        entry["flops"] = flops;
        Log($"  step {stepGflop:F0} GFLOP; peaks fp32 {fp32Peak:F1}, bf16 {bf16Peak:F1} GFLOP/s; " +
            string.Join(", ", flops.Where(kv => kv.Key.EndsWith("_percent_of_peak", StringComparison.Ordinal)).Select(kv => $"{kv.Key.Replace("_percent_of_peak", "")} {(double)kv.Value:F0}%")));
        Log("  ratios (pairs/s): " + string.Join(", ", ratios.Select(kv => $"{kv.Key} {kv.Value:F2}x")) + $"; bf16 weight copies per step {casts.Casts} ({casts.Bytes / 1e6:F0} MB)");

        if (fp32Only) { precision[name] = entry; continue; }
        // embedding: ABAB fp32 / bf16, one region per pass
        var embed = new Dictionary<string, List<(Stats I, Stats R, double Cast, int N, long B)>> { ["fp32"] = [], ["bf16"] = [] };
        for (int round = 0; round < 2; round++)
            foreach (var (label, policy) in new (string, PrecisionPolicy)[] { ("fp32", Float32Policy.Instance), ("bf16", bf16) })
            {
                var r = PrecisionBench.Embed(sc, policy, batch, size, tokens, quick ? 1 : 3);
                embed[label].Add((r.ImagesPerS, r.ReportsPerS, r.CastSeconds, r.Casts, r.CastBytes));
            }
        foreach (var (label, list) in embed)
        {
            var images = Stats.Of(list.SelectMany(x => x.I.Values));
            var reports = Stats.Of(list.SelectMany(x => x.R.Values));
            double cast = list.Average(x => x.Cast);
            entry[$"embed_{label}_images_per_s"] = images;
            entry[$"embed_{label}_reports_per_s"] = reports;
            entry[$"embed_{label}_first_batch_extra_s"] = cast;
            Log($"  embed {label}: images {images.Show("F1", "/s")}, reports {reports.Show("F1", "/s")}; first batches of a region take {cast:F3} s longer (weight copies: {list[^1].N}, {list[^1].B / 1e6:F0} MB)");
        }
        precision[name] = entry;
    }
    results["precision"] = precision;
}

if (sections.Contains("mkl"))
{
    // section 14.1 of docs/benchmarks.md: MKL's float32 products as shipped (CONVIRT_MKL=vendor) and unlocked (intel), alternated in children
    Log($"[mkl] float32 products, x [rows, in] · Wᵀ, {threads} threads, median of 5 per child after 3 warm-up calls, children alternated CONVIRT_MKL=vendor / intel (load {Machine.LoadAverage()})");
    results["mkl"] = MklBench.Compare(Option("--rounds") is { } mrd ? int.Parse(mrd) : 3, 5, threads, Log);
}

if (sections.Contains("layout"))
{
    // channels-last probe: the image tower's forward + backward, NCHW vs channels-last strides, alternated in one process
    var layout = new Dictionary<string, object>();
    foreach (var arch in (Option("--arch") ?? "resnet18,resnet50").Split(','))
    {
        int warmup = quick ? 1 : 2, reps = quick ? 2 : 6;
        var (nchw, copies, stored) = LayoutBench.Run(arch, batch, size, warmup, reps);
        var (sa, si, sb) = (Stats.Of(nchw), Stats.Of(copies), Stats.Of(stored));
        Log($"[layout] {arch} forward+backward, batch {batch}, {size} px: NCHW {sa.Show("F2", " s")}, ChannelsLast (weight copies) {si.Show("F2", " s")} ({sa.Median / si.Median:F2}x), " +
            $"channels-last parameters {sb.Show("F2", " s")} ({sa.Median / sb.Median:F2}x) (load {Machine.LoadAverage()})");
        layout[arch] = new Dictionary<string, object> { ["nchw_s"] = sa, ["channels_last_copies_s"] = si, ["channels_last_stored_s"] = sb,
            ["speedup_copies"] = sa.Median / si.Median, ["speedup_stored"] = sa.Median / sb.Median };
    }
    results["layout"] = layout;
}

if (sections.Contains("optim"))
{
    foreach (var name in new[] { "cpu-small", "paper" })
    {
        var (st, elements, tensors) = OptimizerProbe.Run(StepConfig.Named(name), 64, quick ? 3 : 5);
        Log($"[optim] {name}: Adam step over {elements:N0} trainable elements in {tensors} tensors: {st.Show("F3", " s")} = {elements * 4.0 * 14 / st.Median / 1e9:F1} GB/s at ~14 float passes");
    }
}

if (sections.Contains("linear") && !ConVirt.Precision.CpuCacheTopology.Reported)
{
    // oneDNN's 1x1 kernels (DenseKernel's oneDNN path) were wrong and crashed with SIGFPE where CPUID hides the caches
    Log("[linear] skipped: this CPU's CPUID describes no cache, where oneDNN's 1x1 kernels were measured wrong and crashing (docs/testing.md); DenseKernel's auto keeps the BLAS here");
    results["linear"] = "skipped: CPU cache topology hidden";
}
else if (sections.Contains("linear"))
{
    Log($"[linear] one linear layer, forward + backward: libtorch linear (BLAS) vs DenseKernel (oneDNN), alternated (load {Machine.LoadAverage()})");
    var rows = LinearBench.Run(2, quick ? 3 : 10);
    foreach (var r in rows)
        Log($"  [{r.Rows} x {r.In}] -> {r.Out}: BLAS {r.BlasMs.Show("F2", " ms")} ({r.BlasGflops:F0} GFLOP/s), oneDNN {r.OneDnnMs.Show("F2", " ms")} ({r.OneDnnGflops:F0} GFLOP/s): {r.Speedup:F2}x");
    results["linear"] = rows;
}

if (sections.Contains("towerprobe"))
    TowerProbe.Run(Log, quick ? 2 : 4);

if (sections.Contains("opprobe"))
    OpProbe.Run(Log);
if (sections.Contains("stageprobe"))
    StageProbe.Run(Log);

if (sections.Contains("topkprobe"))
{
    using var store = torch.randn(1_000_000, 512);
    using var q = torch.randn(1, 512);
    for (int r = 0; r < 3; r++)
    {
        var w = Stopwatch.StartNew();
        for (long s0 = 0; s0 < 1_000_000; s0 += 65536)
        {
            using var sc = torch.NewDisposeScope();
            var ch = store.narrow(0, s0, Math.Min(65536, 1_000_000 - s0));
            var m = ch.matmul(q.t());
        }
        double a = w.Elapsed.TotalMilliseconds; w.Restart();
        for (long s0 = 0; s0 < 1_000_000; s0 += 65536)
        {
            using var sc = torch.NewDisposeScope();
            var ch = store.narrow(0, s0, Math.Min(65536, 1_000_000 - s0)).to_type(ScalarType.Float32);
            var m = ch.matmul(q.t()).t().contiguous();
            var th = m.topk(10, dim: 1).values.narrow(1, 9, 1);
            var ge = m.ge(th);
            var nz = ge.nonzero().cpu();
            var g = m.masked_select(ge).cpu();
        }
        double b = w.Elapsed.TotalMilliseconds; w.Restart();
        ConVirt.Evaluation.RetrievalMetrics.TopK(q, store, 10, normalise: false);
        double c = w.Elapsed.TotalMilliseconds; w.Restart();
        ConVirt.Evaluation.RetrievalMetrics.TopK(q, store, 10, normalise: false, chunkSize: 1_000_000);
        double d = w.Elapsed.TotalMilliseconds;
        Log($"matmul only {a:F0} ms; + topk/nonzero {b:F0} ms; TopK {c:F0} ms; TopK one chunk {d:F0} ms");
    }
}

if (sections.Contains("dicom"))
{
    int reps = quick ? 2 : 7;
    Log($"[dicom] decode + window + evaluation transform (224 px), one thread, ms per image (load {Machine.LoadAverage()})");
    results["dicom"] = DicomBench.Run(Path.Combine(sharedData, "dicom", "files"), Path.Combine(scratch, "dicom"), reps, Log);
}

if (sections.Contains("data"))
{
    if (!File.Exists(covid)) { Log($"[data] skipped: {covid} not found (set CONVIRT_SHARED_DATA)"); results["data_path"] = "skipped: no shared data"; }
    else
    {
        var sc = StepConfig.Named("cpu-small");
        sc = sc with { Config = sc.Config with { Data = sc.Config.Data with { ImageSize = size } } };
        int warmup = quick ? 1 : 2, reps = quick ? 2 : 5;
        Log($"[data] cpu-small on covid-cxr (paper augmentation, {size} px, batch 32, real sentences): in memory, then fed by PrefetchingBatchReader (load {Machine.LoadAverage()})");
        var r = DataPathBench.Run(sc, covid, warmup, reps);
        Log($"  batch build on one thread: {r.BuildSeconds.Show("F3", " s")}; mean padded sentence length {r.MeanTokens:F1} tokens");
        Log($"  in memory: {r.MemorySteps.Show("F2", " s")}/step; fed: {r.FedSteps.Show("F2", " s")}/step (prefetch {r.Prefetch}, workers {r.Workers})");
        Log($"  waiting for data: {r.WaitSeconds:F3} s of {r.FedSeconds:F2} s = {r.WaitFraction:P2}; fed/in-memory step time {r.FedSteps.Median / r.MemorySteps.Median:F3}");
        results["data_path"] = new Dictionary<string, object>
        {
            ["result"] = r, ["wait_fraction"] = r.WaitFraction, ["fed_over_memory_step_time"] = r.FedSteps.Median / r.MemorySteps.Median,
        };
    }
}

if (sections.Contains("flops"))
{
    Log($"[flops] float32 matmul peak through libtorch (load {Machine.LoadAverage()})");
    var peak = PeakBench.MatmulGflops(2048, 2, quick ? 3 : 10);
    // DenseKernel's oneDNN path only where oneDNN's 1x1 kernels are trusted (elsewhere it was wrong or crashed, docs/testing.md)
    bool oneDnn1x1 = ConVirt.Precision.CpuCacheTopology.Reported;
    var dense = oneDnn1x1 ? PeakBench.DenseKernelGflops(2048, 2, quick ? 3 : 10) : peak;
    var conv = PeakBench.ConvGflops(2, quick ? 3 : 8);
    var bandwidth = PeakBench.ReadBandwidth(1024, quick ? 2 : 5);
    Log($"  2048x2048 matmul: {peak.Show("F1", " GFLOP/s")} (torch.mm, MKL), {(oneDnn1x1 ? dense.Show("F1", " GFLOP/s") : "not measured")} (DenseKernel, oneDNN); 3x3 conv 256->256 at 28x28, batch 32: {conv.Show("F1", " GFLOP/s")}; read bandwidth (1 GiB sum): {bandwidth.Show("F1", " GB/s")}");
    var flops = new Dictionary<string, object> { ["matmul_2048_gflops"] = peak, ["matmul_2048_densekernel_gflops"] = dense, ["conv3x3_gflops"] = conv, ["read_bandwidth_gbs"] = bandwidth };
    var matmulPeak = dense.Median > peak.Median ? dense : peak;   // the faster matmul kernel
    var fastest = new[] { (peak, "matmul (MKL)"), (dense, "matmul (DenseKernel, oneDNN)"), (conv, "3x3 convolution") }.MaxBy(k => k.Item1.Median);
    peak = fastest.Item1;   // the denominator: the fastest of the three kernels
    Log($"  peak used as 100%: {peak.Median:F1} GFLOP/s ({fastest.Item2})");
    foreach (var name in new[] { "cpu-small", "paper" })
    {
        var sc = StepConfig.Named(name);
        var spec = ConVirt.Interop.ModelFactory.ResolveImageSpec(sc.Config.Model.Image);
        var macs = FlopCount.ConVirtStep(spec, sc.Config.Model.Text.Bert, sc.Config.Model.Text.FrozenLayers, batch, size, tokens);
        double gflop = 2 * macs.Training / 1e9;
        var entry = new Dictionary<string, object>
        {
            ["forward_gmacs"] = new { image = macs.ImageForward / 1e9, text = macs.TextForward / 1e9, heads_and_loss = macs.HeadsForward / 1e9 },
            ["training_step_gflop"] = gflop,
        };
        string line = $"  {name}: forward {macs.Forward / 1e9:F1} GMAC (image {macs.ImageForward / 1e9:F1}, text {macs.TextForward / 1e9:F2}), training step {gflop:F0} GFLOP";
        if (stepResults.TryGetValue(name, out var s))
        {
            double achieved = gflop / s.Ours.Median;
            entry["ours_gflops"] = achieved;
            entry["ours_percent_of_peak"] = 100 * achieved / peak.Median;
            line += $"; ours {achieved:F1} GFLOP/s = {100 * achieved / peak.Median:F0}% of peak";
            if (s.Torch is { } ts)
            {
                entry["pytorch_gflops"] = gflop / ts.Median;
                entry["pytorch_percent_of_peak"] = 100 * gflop / ts.Median / peak.Median;
                line += $"; PyTorch {gflop / ts.Median:F1} GFLOP/s = {100 * gflop / ts.Median / peak.Median:F0}%";
            }
        }
        if (stepResults.TryGetValue(name, out var s2)) { entry["ours_percent_of_matmul_peak"] = 100 * gflop / s2.Ours.Median / matmulPeak.Median; }
        Log(line);
        flops[name] = entry;
    }
    results["flops"] = flops;
}

if (sections.Contains("inference"))
{
    if (!File.Exists(covid)) { Log($"[inference] skipped: {covid} not found"); results["inference"] = "skipped: no shared data"; }
    else
    {
        Log($"[inference] cpu-small, eval mode, no grad: EmbeddingExtractor vs bare forward (load {Machine.LoadAverage()})");
        var r = InferenceBench.Run(StepConfig.Named("cpu-small"), covid, quick ? 32 : 128, quick ? 1 : 7);
        Log($"  images ({r.Images}, batch {r.ImageBatch}, 224 px): extractor {r.ExtractorImagesPerS.Show("F1", "/s")}, incl. decode {r.ExtractorWithDecodeImagesPerS.Show("F1", "/s")}, bare {r.BareImagesPerS.Show("F1", "/s")}; ratio {r.ExtractorImagesPerS.Median / r.BareImagesPerS.Median:F3} ({r.ExtractorWithDecodeImagesPerS.Median / r.BareImagesPerS.Median:F3} with decode)");
        Log($"  reports ({r.Texts}, batch {r.TextBatch}, mean {r.MeanTextTokens:F0} tokens): extractor {r.ExtractorTextsPerS.Show("F1", "/s")}, bare {r.BareTextsPerS.Show("F1", "/s")}; ratio {r.ExtractorTextsPerS.Median / r.BareTextsPerS.Median:F3}");
        results["inference"] = new Dictionary<string, object>
        {
            ["result"] = r,
            ["image_ratio"] = r.ExtractorImagesPerS.Median / r.BareImagesPerS.Median,
            ["image_ratio_with_decode"] = r.ExtractorWithDecodeImagesPerS.Median / r.BareImagesPerS.Median,
            ["text_ratio"] = r.ExtractorTextsPerS.Median / r.BareTextsPerS.Median,
        };
    }
}

if (sections.Contains("retrieval"))
{
    long[] sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
    Log($"[retrieval] one 512-d query, top-10, float32 (load {Machine.LoadAverage()})");
    var rows = RetrievalBench.Run(sizes, quick ? 3 : 7);
    foreach (var r in rows)
        Log($"  n={r.N,9:N0}: TopK raw store {r.TopKRawMs.Show("F1", " ms")}; TopK normalised store {r.TopKNormalisedMs.Show("F1", " ms")}; bare matmul+topk {r.BareMs.Show("F1", " ms")}; same answer {r.SameAnswer}; " +
            $"EmbeddingIndex (float16 scan + float32 re-score of 64) {r.IndexMs.Show("F1", " ms")}, exact top-10 for {r.IndexAgreements} of {r.QueriesCompared} queries");
    results["retrieval"] = rows;
}

if (sections.Contains("memory"))
{
    if (!File.Exists(cli)) { Log($"[memory] skipped: {cli} not built (dotnet build src/ConVirt.Cli -c Release)"); results["memory"] = "skipped: CLI not built"; }
    else
    {
        Directory.CreateDirectory(scratch);
        int memSize = quick ? 64 : 224;
        Log($"[memory] synthetic manifests in {scratch} (load {Machine.LoadAverage()})");
        string small = SyntheticDataset.Write(Path.Combine(scratch, "data-small"), 130, Math.Max(memSize, 64), 7, conciseReports: true);
        string large = SyntheticDataset.Write(Path.Combine(scratch, "data-large"), 650, 64, 7, conciseReports: true);
        var common = new[] { "--max-steps", "3", "--threads", threads.ToString(), "--log-every", "1", "--checkpoint-every", "1000", "--epochs", "1" };
        var runs = new List<MemoryBench.Run>
        {
            MemoryBench.Pretrain(cli, $"cpu-small, batch 32, {memSize} px", small, Path.Combine(scratch, "run1"),
                [.. common, "--config", "cpu-small", "--batch-size", "32", "--image-size", memSize.ToString()]),
            MemoryBench.Pretrain(cli, $"paper, batch 32, {memSize} px", small, Path.Combine(scratch, "run2"),
                [.. common, "--config", "paper", "--image-weights", "none", "--batch-size", "32", "--image-size", memSize.ToString()]),
            MemoryBench.Pretrain(cli, "cpu-small, batch 32, 64 px", large, Path.Combine(scratch, "run3"),
                ["--max-steps", "2", "--threads", threads.ToString(), "--log-every", "1", "--checkpoint-every", "1000", "--epochs", "1", "--config", "cpu-small", "--batch-size", "32", "--image-size", "64"]),
            MemoryBench.Pretrain(cli, "cpu-small, batch 512 with --micro-batch 32, 64 px", large, Path.Combine(scratch, "run4"),
                ["--max-steps", "2", "--threads", threads.ToString(), "--log-every", "1", "--checkpoint-every", "1000", "--epochs", "1", "--config", "cpu-small", "--batch-size", "512", "--micro-batch", "32", "--image-size", "64"]),
            MemoryBench.Pretrain(cli, "cpu-small, batch 512 without gradient caching, 64 px", large, Path.Combine(scratch, "run5"),
                ["--max-steps", "2", "--threads", threads.ToString(), "--log-every", "1", "--checkpoint-every", "1000", "--epochs", "1", "--config", "cpu-small", "--batch-size", "512", "--image-size", "64"]),
        };
        foreach (var r in runs) Log($"  {r.Label}: peak RSS {r.PeakMiB:F0} MiB ({r.Seconds:F0} s, exit {r.ExitCode}) {r.Tail}");
        results["memory"] = runs;
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}

if (sections.Contains("codecs"))
{
    var dicom = Path.Combine(sharedData, "dicom");
    if (!File.Exists(Path.Combine(dicom, "manifest.jsonl"))) { Log($"[codecs] skipped: {dicom} not found (set CONVIRT_SHARED_DATA)"); results["dicom_codecs"] = "skipped: no shared data"; }
    else
    {
        Log($"[codecs] DICOM codecs, frame 0 of each real file, one thread, decode only: median ms, MP/s, ms scaled to 2000x2000 (load {Machine.LoadAverage()})");
        results["dicom_codecs"] = DicomCodecBench.Run(dicom, quick ? 0.2 : 2.0, quick ? 2 : 7, Log);
    }
}

if (sections.Contains("archive"))
{
    if (!File.Exists(cli)) { Log($"[archive] skipped: {cli} not built (dotnet build src/ConVirt.Cli -c Release)"); results["archive"] = "skipped: CLI not built"; }
    else
    {
        results["archive"] = ArchiveBench.Run(cli, Path.Combine(scratch, "archive"), threads, quick, Log);
        try { Directory.Delete(Path.Combine(scratch, "archive"), recursive: true); } catch (IOException) { }
    }
}

if (sections.Contains("label"))
{
    // not in `all`: dotnet run -c Release --project bench/ConVirt.Bench -- label
    results["label"] = LabelBench.Run(sharedData, Path.Combine(scratch, "label"), quick, Log);
}

if (sections.Contains("serve"))
{
    // not in `all`: bash bench/run.sh serve
    Log($"[serve] convirt serve: text search at 1, 8, 32 clients over 10k and 100k synthetic embeddings; image search by upload (load {Machine.LoadAverage()})");
    var (textLevels, imageLevels) = ServeBench.Run(quick ? [10_000] : [10_000, 100_000], quick ? [1, 8] : [1, 8, 32], quick ? 3 : 10, quick ? 5 : 20, Path.Combine(scratch, "serve"), Log);
    results["serve"] = new Dictionary<string, object> { ["text_search"] = textLevels, ["image_search"] = imageLevels };
    try { Directory.Delete(Path.Combine(scratch, "serve"), recursive: true); } catch (IOException) { }
}

if (sections.Contains("serve-batching"))
{
    // not in `all` (issue 27): text queries one at a time (the service before) against batched, alternated, at 1 and 32 clients over 100k
    Log($"[serve-batching] text search over 100k synthetic embeddings, single (libtorch) vs batched (libtorch) vs batched-ort (ONNX Runtime), 1 and 32 clients, alternated (load {Machine.LoadAverage()})");
    var (batchLevels, _) = ServeBench.Run([quick ? 10_000 : 100_000], [1, 32], quick ? 3 : 10, 0, Path.Combine(scratch, "serve"), Log,
        (Option("--modes") ?? "single,batched,batched-ort").Split(','), quick ? 1 : 2,
        (Option("--image-clients") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray());
    results["serve_batching"] = new Dictionary<string, object> { ["text_search"] = batchLevels };
    try { Directory.Delete(Path.Combine(scratch, "serve"), recursive: true); } catch (IOException) { }
}

if (sections.Contains("onnx"))
{
    // not in `all` (issue 27): libtorch against ONNX Runtime for both towers; --configs cpu-small,paper
    var onnx = new Dictionary<string, object>();
    foreach (var name in (Option("--configs") ?? "cpu-small").Split(','))
    {
        Log($"[onnx] {name}: libtorch vs ONNX Runtime (CPU execution provider, all graph optimisations, {threads} intra-op threads), alternated (load {Machine.LoadAverage()})");
        onnx[name] = OnnxBench.Run(name, scratch, threads, quick, Log);
    }
    results["onnx"] = onnx;
}

if (sections.Contains("probe"))
{
    // not in `all` (needs scikit-learn): bash bench/run.sh probe; features cached in --features DIR (default bench/results/probe-features, ignored by git)
    string medpix = Path.Combine(sharedData, "medpix", "manifest.jsonl");
    if (!File.Exists(medpix)) { Log($"[probe] skipped: {medpix} not found"); results["probe"] = "skipped: no shared data"; }
    else
    {
        string features = Option("--features") ?? Path.Combine(scratch, "probe-features");
        Log($"[probe] linear probe on MedPix ImageNet h_v: previous probe / current probe / scikit-learn lbfgs, alternated (load {Machine.LoadAverage()})");
        // --probe-files DIR keeps each task's files (features, hold-out rows, both sides' test probabilities) for inspection
        string probeFiles = Option("--probe-files") ?? Path.Combine(scratch, "probe");
        results["probe"] = ProbeBench.Run(repo, medpix, ["plane", "modality"], features, quick ? 1 : 3, probeFiles, Log);
        if (Option("--probe-files") is null) try { Directory.Delete(probeFiles, recursive: true); } catch (IOException) { }
    }
}

if (sections.Contains("probe-eval")) ProbeEvalProbe.Run(Log);

if (sections.Contains("probe-time") && Option("--features") is { } timeFeatures)
    foreach (var label in new[] { "plane", "modality" })
        ProbeBench.Time(Path.Combine(sharedData, "medpix", "manifest.jsonl"), label, timeFeatures, quick ? 1 : 3, Log);

if (sections.Contains("probe-sweep") && Option("--features") is { } sweepFeatures)
    foreach (var label in new[] { "plane", "modality" })
        ProbeBench.Sweep(Path.Combine(sharedData, "medpix", "manifest.jsonl"), label, sweepFeatures,
            [(1e-5, 2.2e-9, 300), (3e-5, 2.2e-9, 300), (1e-4, 2.2e-9, 300)], Log);

if (sections.Contains("distributed"))
{
    if (!File.Exists(cli)) { Log($"[distributed] skipped: {cli} not built (dotnet build src/ConVirt.Cli -c Release)"); results["distributed"] = "skipped: CLI not built"; }
    else results["distributed"] = DistributedBench.Run(cli, scratch, quick, Log);
}

if (sections.Contains("archive-cpu") && Option("--from") is { } from)
    results["archive_cpu"] = ArchiveBench.CpuOnly(from, quick ? 50 : 300, Log);

results["total_seconds"] = total.Elapsed.TotalSeconds;
results["load_average_end"] = Machine.LoadAverage();
Log($"done in {total.Elapsed.TotalSeconds:F0} s (load {Machine.LoadAverage()}); results: {outFile}");
Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
File.WriteAllText(outFile, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, IncludeFields = true }));
return 0;

string? Option(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
static bool IsOptionValue(string[] a, string v) { int i = Array.IndexOf(a, v); return i > 0 && a[i - 1] is "--threads" or "--cli" or "--out" or "--from" or "--arch" or "--configs" or "--bf16-peer-reps" or "--compile-peer-reps" or "--size" or "--batch" or "--features" or "--reps" or "--rounds" or "--peer-isa"; }
static void Log(string line) { Console.WriteLine(line); Console.Out.Flush(); }
static string FindRepo()
{
    var d = new DirectoryInfo(AppContext.BaseDirectory);
    while (d is not null && !File.Exists(Path.Combine(d.FullName, "ConVirt.slnx"))) d = d.Parent;
    return d?.FullName ?? Directory.GetCurrentDirectory();
}
static Dictionary<string, double> PhaseMedians(List<double[]> phases) =>
    TrainStepBench.Phases.Select((n, i) => (n, Stats.Of(phases.Select(p => p[i])).Median)).ToDictionary(x => x.n, x => x.Item2);
static string ShowPhases(List<double[]> phases) => string.Join(", ", PhaseMedians(phases).Select(kv => $"{kv.Key} {kv.Value:F2}"));
